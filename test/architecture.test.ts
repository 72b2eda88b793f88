// The layout rules of docs/architecture.md, checked on the code: folders by concept, faces, one-way imports.

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const ROOT = join(__dirname, '..')
const SRC = join(ROOT, 'src')

describe('architecture', () => {
  it('imports run one way, through each folder index, with no circle (dependency-cruiser)', () => {
    const bin = join(ROOT, 'node_modules', '.bin', 'depcruise')
    let output = ''
    let failed = false
    try {
      output = execFileSync(bin, ['src', '--config', '.dependency-cruiser.js'], {
        cwd: ROOT,
        encoding: 'utf8',
      })
    } catch (error) {
      failed = true
      output = String((error as { stdout?: string }).stdout ?? error)
    }
    expect({ failed, output: output.trim() }).toEqual({
      failed: false,
      output: expect.stringMatching(/no dependency violations found/),
    })
  })

  it('src/ keeps at most 8 loose files; every folder has an index.ts that only re-exports', () => {
    const entries = readdirSync(SRC)
    const loose = entries.filter((name) => statSync(join(SRC, name)).isFile())
    expect(loose.length).toBeLessThanOrEqual(8)
    const folders = entries.filter((name) => statSync(join(SRC, name)).isDirectory())
    expect(folders.length).toBeGreaterThanOrEqual(8)
    for (const folder of folders) {
      const index = readFileSync(join(SRC, folder, 'index.ts'), 'utf8')
      const code = index
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.trim().startsWith('//'))
        .join('\n')
      // Nothing but `export … from '…'` statements (possibly spread over lines).
      expect(code.replace(/export\s+(type\s+)?(\*|\{[^}]*\})\s+from\s+'[^']+'/g, '').trim()).toBe(
        '',
      )
    }
  })
})

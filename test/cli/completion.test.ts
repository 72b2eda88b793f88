// `keyguard completion bash|zsh`: scripts that the shells accept and that complete commands, subcommands and flags.

import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from './run'

const hasShell = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0

describe('keyguard completion', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keyguard-completion-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  /** What bash completes for the words typed so far (the last one may be partial). */
  const complete = (script: string, words: string[]): string[] => {
    const file = join(dir, 'keyguard.bash')
    writeFileSync(file, script)
    const quoted = words.map((w) => `'${w}'`).join(' ')
    const out = execFileSync(
      'bash',
      [
        '-c',
        `source '${file}'; COMP_WORDS=(keyguard ${quoted}); COMP_CWORD=${words.length}; ` +
          `_keyguard_completion; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    )
    return out.split('\n').filter((w) => w !== '')
  }

  it('prints a bash script that bash -n accepts and that completes the command tree', async () => {
    const r = await run(['completion', 'bash'])
    expect(r.code).toBe(0)
    const file = join(dir, 'check.bash')
    writeFileSync(file, r.stdout)
    expect(spawnSync('bash', ['-n', file]).status).toBe(0)
    expect(complete(r.stdout, [''])).toEqual(
      expect.arrayContaining([
        'keys',
        'plans',
        'inspect',
        'audit',
        'ip-blocks',
        'serve',
        'completion',
      ]),
    )
    expect(complete(r.stdout, ['ke'])).toEqual(['keys'])
    expect(complete(r.stdout, ['keys', ''])).toEqual(
      expect.arrayContaining([
        'create',
        'list',
        'get',
        'update',
        'delete',
        'regenerate',
        'usage',
        'requests',
      ]),
    )
    expect(complete(r.stdout, ['keys', 'create', '--na'])).toEqual(['--name'])
    expect(complete(r.stdout, ['--json', 'plans', 'up'])).toEqual(['update'])
    expect(complete(r.stdout, ['keys', 'create', '--status', ''])).toEqual(['active', 'inactive'])
    expect(complete(r.stdout, ['completion', ''])).toEqual(['bash', 'zsh'])
    expect(complete(r.stdout, ['serve', '--no-d'])).toEqual(['--no-dashboard'])
  })

  it('prints a zsh script naming every command; zsh -n accepts it where zsh is installed', async () => {
    const r = await run(['completion', 'zsh'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^#compdef keyguard/)
    for (const word of [
      'keys',
      'plans',
      'inspect',
      'audit',
      'ip-blocks',
      'serve',
      'create',
      '--grace-seconds',
    ]) {
      expect(r.stdout).toContain(word)
    }
    if (hasShell('zsh')) {
      const file = join(dir, '_keyguard')
      writeFileSync(file, r.stdout)
      expect(spawnSync('zsh', ['-n', file]).status).toBe(0)
      // Outside a completion widget: compadd stubbed to print, the words set by hand.
      const zsh = (words: string[]): string[] =>
        execFileSync(
          'zsh',
          [
            '-c',
            `compdef() { :; }; compadd() { shift; print -l -- "$@"; }; source '${file}'; ` +
              `words=(keyguard ${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length + 1}; _keyguard`,
          ],
          { encoding: 'utf8' },
        )
          .split('\n')
          .filter((w) => w !== '')
      expect(zsh(['keys', 'cr'])).toEqual(expect.arrayContaining(['create', 'list']))
      expect(zsh(['plans', 'create', '--quota-window', ''])).toEqual(['rolling', 'calendar'])
      expect(zsh(['keys', 'regenerate', '--'])).toEqual(expect.arrayContaining(['--grace-seconds']))
    }
  })

  it('refuses another shell with exit 2', async () => {
    const r = await run(['completion', 'fish'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^keyguard: invalid <shell>: must be one of bash, zsh/)
  })
})

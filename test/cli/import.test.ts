// `keyguard keys import --file`: JSONL and CSV through the real bin, idempotent, bad rows by line, a bar only on a terminal.

import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import request from 'supertest'
import { apiKeyGuard } from '../../src'
import { testRedisUrl } from '../harness/redis'
import { CLI, useCli } from './run'

const dir = mkdtempSync(join(tmpdir(), 'kg-import-'))
const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

/** Runs the CLI under `script`, so that its stderr is a terminal. */
function onTerminal(args: readonly string[]): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve) => {
    execFile(
      'script',
      ['-qec', command, '/dev/null'],
      { env: { ...process.env, REDIS_URL: testRedisUrl() }, timeout: 20000 },
      (_error, stdout) => resolve(stdout),
    )
  })
}

describe('keyguard keys import', () => {
  const c = useCli()
  const api = () =>
    express().get('/v1', apiKeyGuard({ store: c.store }), (_q, r) => {
      r.json({})
    })

  it('imports a JSONL file in batches; a re-run skips every row; --json prints the report', async () => {
    const rows = Array.from({ length: 7 }, (_, i) =>
      JSON.stringify({ api_key: `cli_jsonl_key_${i}_abcdef`, name: `K${i}` }),
    )
    rows.splice(3, 0, '{broken', JSON.stringify({ api_key: 'cli_jsonl_key_0_abcdef' }))
    const path = file('keys.jsonl', `${rows.join('\n')}\n`)
    const first = await c.kg('--json', 'keys', 'import', '--file', path, '--batch-size', '2')
    expect(first.code).toBe(1) // some rows were refused; the others landed
    const report = JSON.parse(first.stdout).data
    expect(report.created).toBe(7)
    expect(report.errors.map((e: { line: number }) => e.line)).toEqual([4, 5])
    expect(report.errors[1].message).toBe('the same key as line 1')
    // No terminal: no bar, nothing on stderr.
    expect(first.stderr).toBe('')

    const again = await c.json('keys', 'import', '--file', file('ok.jsonl', rows[0] as string))
    expect(again.data).toEqual({ created: 0, skipped: 1, errors: [] })
    const res = await request(api())
      .get('/v1')
      .set('Authorization', 'Bearer cli_jsonl_key_6_abcdef')
    expect(res.status).toBe(200)
  })

  it('imports CSV under the api-keys alias and prints a summary', async () => {
    const path = file(
      'keys.csv',
      'key,name,quotas.daily\ncli_csv_key_number_1,"Quoted, name",10\ncli_csv_key_number_2,Bad,-4\n',
    )
    const out = await c.kg('api-keys', 'import', '--file', path)
    expect(out.code).toBe(1)
    expect(out.stdout).toMatch(
      /^1 key\(s\) created, 0 skipped \(already there\), 1 row\(s\) refused/,
    )
    expect(out.stdout).toMatch(/line 3 \(quotas\.daily\): /)
    expect(out.stderr).toBe('')
  })

  it('draws a progress bar on a terminal (and none with --json)', async () => {
    const lines = Array.from({ length: 5 }, (_, i) =>
      JSON.stringify({ api_key: `cli_tty_key_${i}_xyz` }),
    )
    const path = file('tty.jsonl', lines.join('\n'))
    const shown = await onTerminal([
      '--prefix',
      c.prefix,
      'keys',
      'import',
      '--file',
      path,
      '--batch-size',
      '2',
    ])
    expect(shown).toMatch(/\[#{30}\] 5\/5 rows {2}created 5, skipped 0, errors 0/)
    expect(shown).toMatch(/\[-{30}\] 0\/5 rows/)
    const quiet = await onTerminal([
      '--prefix',
      c.prefix,
      '--json',
      'keys',
      'import',
      '--file',
      path,
    ])
    expect(quiet).not.toMatch(/rows {2}created/)
    expect(quiet).toMatch(/"skipped": 5/)
  })

  it('refuses a missing file, a missing --file and an unknown CSV column with exit 2', async () => {
    expect((await c.kg('keys', 'import')).code).toBe(2)
    const missing = await c.kg('keys', 'import', '--file', join(dir, 'nope.jsonl'))
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/cannot read --file/)
    const unknown = await c.kg(
      'keys',
      'import',
      '--file',
      file('bad.csv', 'api_key,colour\nabcdefgh,red\n'),
    )
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/unknown column "colour"/)
    expect((await c.kg('keys', 'import', '--file', 'x.jsonl', '--batch-size', '0')).code).toBe(2)
  })
})

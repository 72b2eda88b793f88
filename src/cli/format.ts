// Human output of the CLI: aligned tables and field lists, with terminal control characters escaped.

/** One cell: `-` for nothing, JSON for objects, control characters escaped (names are user input). */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-'
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  let out = ''
  for (const c of text) {
    const code = c.charCodeAt(0)
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f)
    out += control ? `\\u${code.toString(16).padStart(4, '0')}` : c
  }
  return out
}

/** `a=1 b=2` for the set entries of a limits object, `-` when none is set. */
export function limits(value: object): string {
  const set = Object.entries(value).filter(([, v]) => v !== null && v !== undefined)
  return set.length === 0 ? '-' : set.map(([k, v]) => `${k}=${cell(v)}`).join(' ')
}

export function table(columns: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const text = rows.map((row) => columns.map((_, i) => cell(row[i])))
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(columns), ...text.map(line)].join('\n')
}

export function fields(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  const width = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${cell(v)}`).join('\n')
}

/** `--json` prints the REST shape; otherwise the human rendering. */
export function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`)
}

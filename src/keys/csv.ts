// CSV records (RFC 4180): quoted fields with "" escapes and line breaks, each with the line it starts on.

export interface CsvRecord {
  /** The line (1-based) the record starts on. */
  line: number
  cells: string[]
}

/** Splits CSV text into records; a quote left open is reported as an error of its record's line. */
export function parseCsv(text: string): {
  records: CsvRecord[]
  error?: { line: number; message: string }
} {
  const records: CsvRecord[] = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let line = 1
  let start = 1
  let blank = true
  const endRecord = (): void => {
    cells.push(cell)
    if (!(blank && cells.length === 1 && cell === '')) records.push({ line: start, cells })
    cells = []
    cell = ''
    blank = true
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i++
        } else quoted = false
      } else {
        if (c === '\n') line++
        cell += c
      }
      continue
    }
    if (c === '"' && cell === '') {
      quoted = true
      blank = false
    } else if (c === ',') {
      cells.push(cell)
      cell = ''
      blank = false
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      endRecord()
      line++
      start = line
    } else {
      cell += c
      blank = false
    }
  }
  if (quoted) return { records, error: { line: start, message: 'a quoted field is never closed' } }
  if (!blank || cell !== '' || cells.length > 0) endRecord()
  return { records }
}

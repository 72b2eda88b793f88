// Import files as rows with line numbers: JSON Lines, CSV with a header, or a JSON array.

import { validationError } from '../errors'
import { parseCsv } from './csv'
import type { NumberedRow } from './key-import'

export type ImportFormat = 'jsonl' | 'csv' | 'json'
export const IMPORT_FORMATS: readonly ImportFormat[] = ['jsonl', 'csv', 'json']

/** The format a file name says: `.csv`, `.json`, else JSON Lines (`.jsonl`, `.ndjson`). */
export function formatOfFile(name: string): ImportFormat {
  const lower = name.toLowerCase()
  if (lower.endsWith('.csv')) return 'csv'
  if (lower.endsWith('.json')) return 'json'
  return 'jsonl'
}

/** Columns a CSV file may have: a row's fields (`quotas.daily` style for nested ones) and aliases. */
const CSV_COLUMNS = new Set([
  'api_key',
  'key',
  'hash',
  'name',
  'user_id',
  'plan_id',
  'status',
  'category',
  'scopes',
  'metadata',
  'expires_at',
  'quotas',
  'rate',
  'created_at',
  'id',
  'ownerId',
  'owner_id',
  'externalId',
  'external_id',
  'meta',
  'expires',
  'enabled',
  'last_used_at',
  'updated_at',
])
/** Columns whose cell is a JSON object. */
const JSON_COLUMNS = new Set(['metadata', 'meta', 'quotas', 'rate'])
const NUMBER = /^-?\d+(\.\d+)?$/

/** Rows of an import file; a line that cannot be read is a row with its error. */
export function parseImportText(text: string, format: ImportFormat): NumberedRow[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  if (format === 'csv') return csvRows(body)
  if (format === 'json') return jsonRows(body)
  return jsonlRows(body)
}

function jsonlRows(text: string): NumberedRow[] {
  const rows: NumberedRow[] = []
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim()
    if (line === '') return
    try {
      rows.push({ line: index + 1, value: JSON.parse(line) })
    } catch (error) {
      rows.push({ line: index + 1, error: `not valid JSON: ${(error as Error).message}` })
    }
  })
  return rows
}

function jsonRows(text: string): NumberedRow[] {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw validationError('file', `not valid JSON: ${(error as Error).message}`)
  }
  const list = Array.isArray(value) ? value : (value as { keys?: unknown } | null)?.keys
  if (!Array.isArray(list)) {
    throw validationError('file', 'a .json file holds an array of rows, or {"keys": [rows]}')
  }
  return list.map((row, index) => ({ line: index + 1, value: row }))
}

function csvRows(text: string): NumberedRow[] {
  const { records, error } = parseCsv(text)
  const [header, ...data] = records
  if (header === undefined) return []
  const columns = header.cells.map((c) => c.trim())
  for (const column of columns) {
    const top = column.split('.')[0] ?? ''
    const nested = column.includes('.')
    if (
      !CSV_COLUMNS.has(top) ||
      (nested && !['quotas', 'rate', 'metadata', 'meta'].includes(top))
    ) {
      throw validationError(
        'file',
        `line ${header.line}: unknown column "${column}"; columns are api_key (or key) or hash, name, user_id, plan_id, status, category, scopes, metadata, expires_at, quotas.daily (…), rate.per_second (…), created_at, id`,
      )
    }
  }
  const rows: NumberedRow[] = data.map((record) => csvRow(columns, record.cells, record.line))
  if (error) rows.push({ line: error.line, error: error.message })
  return rows
}

function csvRow(columns: readonly string[], cells: readonly string[], line: number): NumberedRow {
  if (cells.length !== columns.length) {
    return { line, error: `has ${cells.length} fields; the header has ${columns.length}` }
  }
  const row: Record<string, unknown> = {}
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i] as string
    const text = cells[i] as string
    if (text === '') continue
    const [top, leaf] = column.split('.') as [string, string | undefined]
    if (leaf !== undefined) {
      if (row[top] === undefined) row[top] = {}
      const parent = row[top] as Record<string, unknown>
      parent[leaf] = top === 'quotas' || top === 'rate' ? numberOr(text) : text
      continue
    }
    const value = cellValue(column, text)
    if (value instanceof Error) return { line, field: column, error: value.message }
    row[column] = value
  }
  return { line, value: row }
}

/** A cell as the field's type: JSON objects, scope lists, Limitly's numeric user ids, Unkey's flags. */
function cellValue(column: string, text: string): unknown {
  if (JSON_COLUMNS.has(column) || (column === 'hash' && text.startsWith('{'))) {
    try {
      return JSON.parse(text)
    } catch {
      return new Error('must be a JSON object, e.g. {"daily": 1000}')
    }
  }
  if (column === 'scopes') {
    if (!text.startsWith('[')) return text.split(/[\s,]+/).filter((s) => s !== '')
    try {
      return JSON.parse(text)
    } catch {
      return new Error('must be scopes separated by commas or spaces, or a JSON array')
    }
  }
  if (column === 'user_id' || column === 'ownerId' || column === 'owner_id') {
    return /^(0|[1-9]\d{0,14})$/.test(text) ? Number(text) : text
  }
  if (column === 'expires') return numberOr(text)
  if (column === 'enabled') return text === 'true' ? true : text === 'false' ? false : text
  return text
}

const numberOr = (text: string): unknown => (NUMBER.test(text.trim()) ? Number(text) : text)

// `keyguard keys import --file keys.jsonl|keys.csv`: existing keys in, in batches, with a progress bar on a terminal.

import { readFile } from 'node:fs/promises'
import { type Command, InvalidArgumentError, Option } from 'commander'
import {
  formatOfFile,
  IMPORT_FORMATS,
  IMPORT_MAX_ROWS,
  type ImportFormat,
  type ImportReport,
  ImportSession,
  parseImportText,
} from '../keys'
import { CliError, EXIT, globalOptions, recordAudit, withStore } from './context'
import { cell } from './format'

interface ImportFlags {
  file?: string
  format?: ImportFormat
  batchSize?: number
}

const DEFAULT_BATCH = 500

function batchSize(value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > IMPORT_MAX_ROWS) {
    throw new InvalidArgumentError(`must be a whole number from 1 to ${IMPORT_MAX_ROWS}`)
  }
  return Number(value)
}

async function readInput(file: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    }
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read --file ${file}: ${(error as Error).message}`, EXIT.usage)
  }
}

/** A bar on stderr, redrawn in place; only on a terminal (and never with --json). */
function progressBar(total: number): (done: number, report: ImportReport) => void {
  return (done, report) => {
    const width = 30
    const filled = total === 0 ? width : Math.round((done / total) * width)
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`
    const counts = `created ${report.created}, skipped ${report.skipped}, errors ${report.errors.length}`
    process.stderr.write(`\r[${bar}] ${done}/${total} rows  ${counts}${done === total ? '\n' : ''}`)
  }
}

function summary(report: ImportReport): string {
  const lines = [
    `${report.created} key(s) created, ${report.skipped} skipped (already there), ${report.errors.length} row(s) refused`,
  ]
  for (const e of report.errors) {
    lines.push(`  line ${e.line}${e.field ? ` (${cell(e.field)})` : ''}: ${cell(e.message)}`)
  }
  return lines.join('\n')
}

export function keyImportCommand(keys: Command): void {
  keys
    .command('import')
    .description(
      'import existing keys (plaintext or SHA-256 hashes) from a JSON Lines, CSV or JSON file; re-running it creates nothing twice',
    )
    .option('--file <path>', 'the file to import, or - for stdin (required)')
    .addOption(
      new Option(
        '--format <format>',
        'jsonl, csv or json. Defaults to the file name: .csv, .json, else jsonl',
      ).choices(IMPORT_FORMATS),
    )
    .option(
      '--batch-size <n>',
      `rows written per batch, 1 to ${IMPORT_MAX_ROWS}. Defaults to ${DEFAULT_BATCH}`,
      batchSize,
    )
    .addHelpText(
      'after',
      '\nBad rows are listed by line and the others land; the exit code is then 1. See docs/cli.md.',
    )
    .action(async (o: ImportFlags, cmd: Command) => {
      if (o.file === undefined || o.file === '') {
        throw new CliError('missing --file: the file of keys to import', EXIT.usage)
      }
      const { json } = globalOptions(cmd)
      const rows = parseImportText(
        await readInput(o.file),
        o.format ?? (o.file === '-' ? 'jsonl' : formatOfFile(o.file)),
      )
      const size = o.batchSize ?? DEFAULT_BATCH
      const report: ImportReport = { created: 0, skipped: 0, errors: [] }
      const progress = !json && process.stderr.isTTY ? progressBar(rows.length) : null
      await withStore(cmd, async (conn) => {
        // One session: a key on two lines of the file is a duplicate, whichever batches they are in.
        const session = new ImportSession()
        progress?.(0, report)
        for (let i = 0; i < rows.length; i += size) {
          const { data, created } = await conn.keys.importRows(rows.slice(i, i + size), session)
          await recordAudit(conn, (audit, actor) =>
            Promise.all(created.map((key) => audit.keyCreated(actor, key))),
          )
          report.created += data.created
          report.skipped += data.skipped
          report.errors.push(...data.errors)
          progress?.(Math.min(i + size, rows.length), report)
        }
      })
      report.errors.sort((a, b) => a.line - b.line)
      process.stdout.write(
        `${json ? JSON.stringify({ data: report }, null, 2) : summary(report)}\n`,
      )
      if (report.errors.length > 0) process.exitCode = EXIT.refused
    })
}

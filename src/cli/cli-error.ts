// The CLI's exit codes and its own errors: one line on stderr (JSON with --json), then that exit code.

/** The one table of exit codes (docs/cli.md#exit-codes). */
export const EXIT = { ok: 0, refused: 1, usage: 2, failure: 3 } as const
export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** The `code` of a CLI error that is not one of the API's (`--json` prints it). */
const CODE_OF_EXIT: Record<ExitCode, string> = {
  0: 'OK',
  1: 'REFUSED',
  2: 'USAGE_ERROR',
  3: 'FAILURE',
}

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  readonly code: string
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    code?: string,
  ) {
    super(message)
    this.name = 'CliError'
    this.code = code ?? CODE_OF_EXIT[exitCode]
  }
}

/** What a failed command reports: one line, or with `--json` one JSON object, on stderr. */
export interface Failure {
  message: string
  exitCode: ExitCode
  code: string
  details?: unknown
}

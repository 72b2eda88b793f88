// How a failure reaches the user: `keyguard: <reason>` on stderr, or with --json one JSON object there.

import type { CommanderError } from 'commander'
import { EXIT, type Failure } from './cli-error'

/** Commander's "Allowed choices are a, b." in the words keyguard's own checks use. */
const reasonOf = (text: string): string =>
  text.replace(/^Allowed choices are (.*?)\.?$/s, 'must be one of $1').trim()

/** Commander's own messages, reworded to read like keyguard's: `invalid --flag: reason`, one line. */
export function commanderFailure(error: CommanderError): Failure {
  const text = error.message.replace(/^error: /, '')
  const option =
    /^option '(?:-\w, )?(--[\w-]+)[^']*' argument '[\s\S]*' is invalid\. ([\s\S]*)$/.exec(text)
  const argument =
    /^command-argument value '[\s\S]*' is invalid for argument '([\w-]+)'\. ([\s\S]*)$/.exec(text)
  const message = option
    ? `invalid ${option[1]}: ${reasonOf(option[2] ?? '')}`
    : argument
      ? `invalid <${argument[1]}>: ${reasonOf(argument[2] ?? '')}`
      : text.replace(/\s*\n\(Did you mean (.*)\?\)\s*$/s, ' (did you mean $1?)').replace(/\n/g, ' ')
  return { message, exitCode: EXIT.usage, code: 'USAGE_ERROR' }
}

/** Whether the user asked for JSON: `--json` anywhere before a `--`. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

export function reportFailure(failure: Failure, json: boolean): void {
  if (json) {
    const body = {
      error: failure.message,
      code: failure.code,
      exit_code: failure.exitCode,
      ...(failure.details === undefined ? {} : { details: failure.details }),
    }
    process.stderr.write(`${JSON.stringify(body)}\n`)
  } else {
    process.stderr.write(`keyguard: ${failure.message}\n`)
  }
}

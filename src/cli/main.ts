#!/usr/bin/env node
// The `keyguard` CLI: keys, plans, inspect, audit, ip-blocks and serve, on Redis (REDIS_URL or --redis-url).

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { auditCommand } from './audit'
import { completionCommand } from './completion'
import { describeError, EXIT } from './context'
import { inspectCommand } from './inspect'
import { ipBlocksCommand } from './ip-blocks'
import { keysCommand } from './keys'
import { openApiCommand } from './openapi'
import { plansCommand } from './plans'
import { commanderFailure, reportFailure, wantsJson } from './report'
import { serveCommand } from './serve'
import { storeCommand } from './store'
import { tokensCommand } from './tokens'
import { usersCommand } from './users'

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'))
    return String((pkg as { version?: unknown }).version ?? '0.0.0')
  } catch {
    return '0.0.0'
  }
}

export function buildProgram(): Command {
  const program = new Command('keyguard')
    .description('API keys, rate limits and quotas on your own Redis')
    .version(version())
    .exitOverride()
    // main() reports commander's errors in keyguard's own style (or as JSON); help still prints.
    .configureOutput({ outputError: () => {} })
    .option(
      '--redis-url <url>',
      'Redis URL; a path /N or ?db=N picks database N. Defaults to REDIS_URL, else redis://127.0.0.1:6379',
    )
    .option('--prefix <prefix>', 'prefix of every Redis key. Defaults to kg:', 'kg:')
    .option('--token-prefix <prefix>', 'token prefix, the kg of kg_sk_…. Defaults to kg', 'kg')
    .option(
      '--json',
      'print JSON (the REST API shapes) instead of tables, and errors as JSON on stderr. Defaults to off',
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 not found, in use or conflict, 2 bad usage, 3 Redis unreachable or other failure.',
    )
  keysCommand(program)
  plansCommand(program)
  usersCommand(program)
  inspectCommand(program)
  auditCommand(program)
  ipBlocksCommand(program)
  tokensCommand(program)
  serveCommand(program)
  openApiCommand(program)
  completionCommand(program)
  storeCommand(program)
  return program
}

async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version printed themselves; help asked for (`--help`, `keyguard help`) is no error.
      const printed = ['commander.helpDisplayed', 'commander.version', 'commander.help']
      if (printed.includes(error.code)) {
        process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage
        return
      }
      const failure = commanderFailure(error)
      reportFailure(failure, wantsJson(argv))
      process.exitCode = failure.exitCode
      return
    }
    const failure = describeError(error)
    reportFailure(failure, wantsJson(argv))
    process.exitCode = failure.exitCode
  }
}

if (require.main === module) {
  // `keyguard keys list | head`: a closed pipe ends the output, it is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok)
    })
  }
  void main(process.argv.slice(2))
}

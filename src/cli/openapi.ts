// `keyguard openapi`: the admin API's OpenAPI 3.1 document (or its Markdown page), with no Redis needed.

import { type Command, InvalidArgumentError } from 'commander'
import { openApiDocument } from '../admin'
import { openApiMarkdown } from './openapi-markdown'

function basePath(value: string): string {
  if (!value.startsWith('/')) throw new InvalidArgumentError('must start with "/", e.g. /admin')
  return value
}

export function openApiCommand(program: Command): void {
  program
    .command('openapi')
    .description("print the admin API's OpenAPI 3.1 document (JSON), or its reference page")
    .option('--markdown', 'print the Markdown reference page instead. Defaults to off (JSON)')
    .option(
      '--base-path <path>',
      'where adminRouter is mounted, for servers[0].url. Defaults to /admin',
      basePath,
    )
    .action((o: { markdown?: boolean; basePath?: string }) => {
      const doc = openApiDocument({ basePath: o.basePath ?? '/admin' })
      process.stdout.write(o.markdown ? openApiMarkdown(doc) : `${JSON.stringify(doc, null, 2)}\n`)
    })
}

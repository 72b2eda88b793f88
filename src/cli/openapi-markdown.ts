// The OpenAPI document rendered as a Markdown reference page (docs/openapi.md), routes first, then schemas.

import type { OpenApiDocument } from '../admin'

type Json = Record<string, unknown>

const esc = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
const anchor = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
const refName = (ref: string): string => ref.split('/').pop() ?? ref

/** A schema in one line: `string`, `integer 1–100`, `"a" \| "b"`, `[ApiKey](#apikey)[]`. */
export function typeOf(schema: Json | undefined): string {
  if (schema === undefined) return 'any'
  if (typeof schema.$ref === 'string') {
    const name = refName(schema.$ref)
    return `[${name}](#${anchor(name)})`
  }
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(typeOf).join(' \\| ')
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ')
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type]
  return types
    .map((type) => {
      if (type === 'array') return `${typeOf(schema.items as Json | undefined)}[]`
      if (type === 'object' && schema.additionalProperties !== false) {
        return schema.properties ? 'object' : 'object (any keys)'
      }
      if (type === undefined) return 'any'
      return String(type)
    })
    .join(' \\| ')
}

/** Limits worth reading: lengths, ranges (safe-integer bounds left out), patterns, formats. */
export function constraintsOf(schema: Json): string {
  const out: string[] = []
  const inner = Array.isArray(schema.anyOf) ? ((schema.anyOf as Json[])[0] ?? {}) : schema
  const big = (n: unknown): boolean => typeof n === 'number' && Math.abs(n) >= 2 ** 53 - 1
  if (typeof inner.format === 'string') out.push(inner.format)
  if (inner.minimum !== undefined && !big(inner.minimum)) out.push(`≥ ${inner.minimum}`)
  if (inner.maximum !== undefined && !big(inner.maximum)) out.push(`≤ ${inner.maximum}`)
  if (inner.minLength !== undefined) out.push(`length ≥ ${inner.minLength}`)
  if (inner.maxLength !== undefined) out.push(`length ≤ ${inner.maxLength}`)
  if (inner.maxItems !== undefined) out.push(`at most ${inner.maxItems} items`)
  const items = inner.items as Json | undefined
  if (typeof items?.pattern === 'string') out.push(`each \`${items.pattern}\``)
  if (typeof inner.pattern === 'string') out.push(`\`${inner.pattern}\``)
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`)
  if (typeof schema.description === 'string') out.push(schema.description)
  return esc(out.join('; '))
}

function propertiesTable(schema: Json): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>
  const required = new Set((schema.required ?? []) as string[])
  const rows = Object.entries(properties).map(
    ([name, property]) =>
      `| \`${name}\` | ${typeOf(property)} | ${required.has(name) ? 'yes' : ''} | ${constraintsOf(property)} |`,
  )
  if (rows.length === 0) return [typeof schema.description === 'string' ? schema.description : '']
  return ['| field | type | required | notes |', '|---|---|---|---|', ...rows]
}

function operationSection(method: string, path: string, op: Json): string[] {
  const lines = [`### ${method.toUpperCase()} ${path}`, '', String(op.summary ?? '')]
  if (typeof op.description === 'string') lines.push('', op.description)
  if (Array.isArray(op.security) && op.security.length === 0) lines.push('', 'No token needed.')
  const parameters = (op.parameters ?? []) as Json[]
  if (parameters.length > 0) {
    lines.push('', '| parameter | in | type | required | notes |', '|---|---|---|---|---|')
    for (const p of parameters) {
      const schema = (p.schema ?? {}) as Json
      const notes = [
        constraintsOf(schema),
        typeof p.description === 'string' ? esc(p.description) : '',
      ]
      lines.push(
        `| \`${p.name}\` | ${p.in} | ${typeOf(schema)} | ${p.required ? 'yes' : ''} | ${notes.filter((n) => n !== '').join('; ')} |`,
      )
    }
  }
  const body = op.requestBody as Json | undefined
  if (body) {
    const content = body.content as Record<string, { schema: Json }>
    const schema = content['application/json']?.schema
    lines.push('', `Body (JSON${body.required ? '' : ', optional'}): ${typeOf(schema)}`)
  }
  lines.push('', '| status | answer |', '|---|---|')
  for (const [status, answer] of Object.entries(op.responses as Record<string, Json>)) {
    if (typeof answer.$ref === 'string') {
      lines.push(`| ${status} | [${refName(answer.$ref)}](#${anchor(refName(answer.$ref))}) |`)
      continue
    }
    const content = answer.content as Record<string, { schema: Json }> | undefined
    const schema = content?.['application/json']?.schema
    lines.push(`| ${status} | ${esc(String(answer.description))}: ${typeOf(schema)} |`)
  }
  return [...lines, '']
}

/** The whole page; the same document gives the same text, byte for byte. */
export function openApiMarkdown(doc: OpenApiDocument): string {
  const lines = [
    '# Admin API reference',
    '',
    '<!-- Generated from the OpenAPI document by `npm run docs:openapi`; do not edit by hand. -->',
    '',
    `${doc.info.title} ${doc.info.version}, OpenAPI ${doc.openapi}. ${doc.info.description}`,
    '',
    'The document itself: `GET <where adminRouter is mounted>/openapi.json`, ' +
      '[openapi.json](openapi.json) in this folder, `keyguard openapi`, or `openApiDocument()` ' +
      'in code. The guide to this API is [Admin REST API](admin-api.md).',
    '',
    '## Routes',
    '',
  ]
  for (const tag of doc.tags) {
    lines.push(`### ${tag.name}`, '', tag.description, '')
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if ((op.tags as string[] | undefined)?.[0] === tag.name) {
          lines.push(...operationSection(method, path, op).map((l) => l.replace(/^### /, '#### ')))
        }
      }
    }
  }
  lines.push('## Error answers', '', 'Every one has the body [Error](#error).', '')
  lines.push('| name | meaning |', '|---|---|')
  for (const [name, answer] of Object.entries(doc.components.responses)) {
    lines.push(`| <a id="${anchor(name)}"></a>${name} | ${esc(String(answer.description))} |`)
  }
  lines.push('', '## Schemas', '')
  for (const [name, schema] of Object.entries(doc.components.schemas)) {
    lines.push(`### ${name}`, '', ...propertiesTable(schema), '')
  }
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`
}

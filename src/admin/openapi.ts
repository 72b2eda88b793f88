// The admin API's OpenAPI 3.1 document, generated from the zod schemas the API validates with (z.toJSONSchema).

import { z } from 'zod'
import {
  clientTokenSchema as clientTokenRequestSchema,
  creditsSchema,
  importBodySchema,
  keyCreateSchema,
  keyUpdateSchema,
  planCreateSchema,
  planUpdateSchema,
  quotasSchema,
  rateSchema,
  regenerateSchema,
  userCreateSchema,
  userUpdateSchema,
} from '../keys'
import * as answers from './answer-schemas'
import * as creditsValidate from './credits-validate-answers'
import {
  type ErrorStatus,
  OPERATIONS,
  type Operation,
  PATH_PARAMS,
  TAGS,
} from './openapi-operations'
import { userAnswers } from './user-answers'
import { USER_OPERATIONS, USERS_TAG } from './user-openapi'
import { validateSchema } from './validate-routes'

/** The version of the admin API's contract (not of the package): it changes when the contract does. */
export const ADMIN_API_VERSION = '1.0.0'

type Json = Record<string, unknown>

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; description: string }
  servers: Array<{ url: string; description?: string }>
  tags: Array<{ name: string; description: string }>
  security: Array<Record<string, string[]>>
  paths: Record<string, Record<string, Json>>
  components: {
    schemas: Record<string, Json>
    responses: Record<string, Json>
    securitySchemes: Json
  }
}

export interface OpenApiOptions {
  /** Where adminRouter is mounted, the URL of `servers[0]`. Defaults to `"/admin"`. */
  basePath?: string
}

const data = <T extends z.ZodType>(schema: T) => z.object({ data: schema })
const page = <T extends z.ZodType>(schema: T) =>
  z.object({
    data: z.array(schema),
    count: z.number().int(),
    page: z.number().int(),
    limit: z.number().int(),
  })

/** Bodies the routes accept, as the routes parse them. */
function inputs(): z.core.$ZodRegistry<{ id: string }> {
  const registry = z.registry<{ id: string }>()
  registry.add(rateSchema, { id: 'RateLimits' })
  registry.add(quotasSchema, { id: 'Quotas' })
  registry.add(keyCreateSchema, { id: 'KeyCreate' })
  registry.add(keyUpdateSchema, { id: 'KeyUpdate' })
  registry.add(regenerateSchema, { id: 'Regenerate' })
  registry.add(planCreateSchema, { id: 'PlanCreate' })
  registry.add(planUpdateSchema, { id: 'PlanUpdate' })
  registry.add(clientTokenRequestSchema, { id: 'ClientTokenRequest' })
  registry.add(creditsSchema, { id: 'CreditsChange' })
  registry.add(validateSchema, { id: 'ValidateRequest' })
  registry.add(importBodySchema, { id: 'KeyImport' })
  registry.add(userCreateSchema, { id: 'UserCreate' })
  registry.add(userUpdateSchema, { id: 'UserUpdate' })
  return registry
}

/** What the routes answer. */
function outputs(): z.core.$ZodRegistry<{ id: string }> {
  const registry = z.registry<{ id: string }>()
  const named: Record<string, z.ZodType> = {
    RateLimits: rateSchema,
    Quotas: quotasSchema,
    ApiKey: answers.apiKeySchema,
    ApiKeyWithSecret: answers.apiKeyWithSecretSchema,
    Plan: answers.planSchema,
    Usage: answers.usageSchema,
    RequestPage: answers.requestPageSchema,
    UsageSeries: answers.usageSeriesSchema,
    ClientToken: answers.clientTokenSchema,
    AuditRecord: answers.auditRecordSchema,
    IpBlock: answers.ipBlockSchema,
    Error: answers.errorSchema,
  }
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id })
  const envelopes: Record<string, z.ZodType> = {
    KeyList: page(answers.apiKeySchema),
    KeyAnswer: data(answers.apiKeySchema),
    KeyWithSecretAnswer: data(answers.apiKeyWithSecretSchema),
    MessageAnswer: data(answers.messageSchema),
    UsageAnswer: data(answers.usageSchema),
    RequestsAnswer: data(answers.requestPageSchema),
    SeriesAnswer: data(answers.usageSeriesSchema),
    ClientTokenAnswer: data(answers.clientTokenSchema),
    CreditsAnswer: creditsValidate.creditsAnswerSchema,
    ValidateAnswer: creditsValidate.validateAnswerSchema,
    ImportAnswer: data(answers.importReportSchema),
    PlanList: z.object({ data: z.array(answers.planSchema), count: z.number().int() }),
    PlanAnswer: data(answers.planSchema),
    PlanUsageAnswer: data(answers.planUsageSchema),
    PlanKeysAnswer: data(answers.planKeysSchema),
    AuditList: page(answers.auditRecordSchema),
    IpBlockList: z.object({ data: z.array(answers.ipBlockSchema), count: z.number().int() }),
  }
  for (const [id, schema] of Object.entries({ ...envelopes, ...userAnswers })) {
    registry.add(schema, { id })
  }
  return registry
}

/** A timestamp's regex adds nothing to `format: date-time` for a reader. */
function withoutDatePattern(ctx: { jsonSchema: Json }): void {
  if (ctx.jsonSchema.format === 'date-time') delete ctx.jsonSchema.pattern
}

function componentSchemas(): Record<string, Json> {
  const uri = (id: string): string => `#/components/schemas/${id}`
  const convert = (registry: z.core.$ZodRegistry<{ id: string }>, io: 'input' | 'output') =>
    z.toJSONSchema(registry, { target: 'draft-2020-12', io, uri, override: withoutDatePattern })
      .schemas as Record<string, Json>
  const merged: Record<string, Json> = {}
  for (const [id, schema] of [
    ...Object.entries(convert(inputs(), 'input')),
    ...Object.entries(convert(outputs(), 'output')),
  ]) {
    const { $schema: _dialect, $id: _id, ...rest } = schema
    if (merged[id] && JSON.stringify(merged[id]) !== JSON.stringify(rest)) {
      throw new Error(`openapi: schema ${id} differs between input and output`)
    }
    merged[id] = rest
  }
  merged.OpenApiDocument = { type: 'object', description: 'An OpenAPI 3.1 document' }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)))
}

const ERROR_ANSWERS: Record<ErrorStatus, [string, string]> = {
  400: ['BadRequest', 'VALIDATION_ERROR: a field is missing, unknown or invalid; malformed JSON'],
  401: ['Unauthorized', 'No admin token, or an invalid, inactive or expired one'],
  403: ['Forbidden', 'INSUFFICIENT_SCOPE, or IP_BLOCKED after too many failed authentications'],
  404: ['NotFound', 'API_KEY_NOT_FOUND, PLAN_NOT_FOUND, USER_NOT_FOUND or NOT_FOUND'],
  409: [
    'Conflict',
    'KEY_IN_USE, PLAN_IN_USE, USER_IN_USE, PLAN_INACTIVE or CONFLICT (If-Match, an existing id, lost races)',
  ],
  413: ['PayloadTooLarge', 'VALIDATION_ERROR: the body is larger than bodyLimit'],
  415: ['UnsupportedMediaType', 'VALIDATION_ERROR: the body is not application/json'],
  429: ['TooManyRequests', "RATE_LIMITED or QUOTA_EXCEEDED on the admin token's own limits"],
  503: ['Unavailable', 'STORE_UNAVAILABLE: the store failed or timed out (Retry-After)'],
}

function errorResponses(): Record<string, Json> {
  const out: Record<string, Json> = {}
  for (const [name, description] of Object.values(ERROR_ANSWERS)) {
    out[name] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    }
  }
  return out
}

/** `/keys/:id` → `/keys/{id}`. */
export const openApiPath = (expressPath: string): string =>
  expressPath.replace(/:([A-Za-z_]\w*)/g, '{$1}')

function queryParameters(schema: z.ZodObject): Json[] {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    override: withoutDatePattern,
  }) as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: property,
  }))
}

function operationObject(op: Operation): Json {
  const pathParams = [...op.path.matchAll(/:([A-Za-z_]\w*)/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    description: describeParam(op.path, name as string),
    schema: { type: 'string' },
  }))
  const ifMatch =
    op.versioned && op.method !== 'get'
      ? [
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            description: 'Apply only at this version (an ETag this API sent, e.g. `"3"`); else 409',
            schema: { type: 'string' },
          },
        ]
      : []
  const parameters = [...pathParams, ...(op.query ? queryParameters(op.query) : []), ...ifMatch]
  const responses: Json = {
    [op.ok.status]: {
      description: op.ok.description,
      ...(op.versioned && op.method !== 'delete'
        ? { headers: { ETag: { description: "The key's version", schema: { type: 'string' } } } }
        : {}),
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${op.ok.schema}` } } },
    },
  }
  for (const status of [...new Set(op.errors)].sort((a, b) => a - b)) {
    responses[status] = { $ref: `#/components/responses/${ERROR_ANSWERS[status][0]}` }
  }
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    operationId: operationId(op),
    ...(op.public ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: op.body !== 'Regenerate',
            content: {
              'application/json': { schema: { $ref: `#/components/schemas/${op.body}` } },
            },
          },
        }
      : {}),
    responses,
  }
}

/** `id` is a key's under /keys and a plan's under /plans. */
function describeParam(path: string, name: string): string {
  if (name === 'id') {
    if (path.startsWith('/users')) return 'The user id'
    return path.startsWith('/plans') ? 'The plan id' : 'The key id'
  }
  return PATH_PARAMS[name] ?? name
}

/** `delete /ip-blocks/:ip/:bits` → `deleteIpBlocksIpBits`. */
function operationId(op: Operation): string {
  const words = op.path
    .split(/[/:.-]/)
    .filter((w) => w !== '')
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
  return op.method + words.join('')
}

/** Builds the document; the same input gives the same JSON, byte for byte. */
export function openApiDocument(options: OpenApiOptions = {}): OpenApiDocument {
  const paths: Record<string, Record<string, Json>> = {}
  for (const op of [...OPERATIONS, ...USER_OPERATIONS]) {
    const path = openApiPath(op.path)
    paths[path] = { ...paths[path], [op.method]: operationObject(op) }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'keyguard admin API',
      version: ADMIN_API_VERSION,
      description:
        'API keys, plans, client tokens, the audit trail and IP blocks, as served by adminRouter. ' +
        'Every route needs a token with the admin scope, except /openapi.json (and POST /tokens, ' +
        'which any secret key may call for itself). Errors are `{error, code, details?}`.',
    },
    servers: [{ url: options.basePath ?? '/admin', description: 'where adminRouter is mounted' }],
    tags: [...TAGS, USERS_TAG],
    security: [{ bearer: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      schemas: componentSchemas(),
      responses: errorResponses(),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Authorization: Bearer <token>',
        },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  }
}

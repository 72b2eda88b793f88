// The OpenAPI document: valid OpenAPI 3.1, every route of adminRouter in it, the real answers match it, and
// the committed copies in docs/ are what the code generates.

import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020 from 'ajv/dist/2020'
import request from 'supertest'
import { adminRouter, KeyguardConfigError, MemoryStore, openApiDocument } from '../../src'
import { openApiPath } from '../../src/admin/openapi'
import { openApiMarkdown } from '../../src/cli/openapi-markdown'
import { call, useAdmin } from '../harness/admin'
import { STORE_KINDS } from '../harness/stores'

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> }
}

/** `GET /keys/{id}` for each route the router registered (its 405 catch-all aside). */
function routesOf(router: unknown): string[] {
  const stack = (router as { stack: RouteLayer[] }).stack
  return stack.flatMap((layer) =>
    layer.route
      ? Object.keys(layer.route.methods)
          .filter((m) => m !== '_all')
          .map((m) => `${m.toUpperCase()} ${openApiPath(layer.route?.path ?? '')}`)
      : [],
  )
}

function operationsOf(doc: ReturnType<typeof openApiDocument>): string[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
  )
}

/** Every object schema closed: an answer with a field the document does not name fails. */
function closed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(closed)
  if (typeof value !== 'object' || value === null) return value
  const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, closed(v)]))
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false
  return out
}

describe('OpenAPI document', () => {
  const doc = openApiDocument()

  it('is a valid OpenAPI 3.1 document, by an OpenAPI validator', () => {
    // The validator is an ES module, which Jest's CommonJS runtime cannot load: it runs in node.
    const script =
      "import { Validator } from '@seriousme/openapi-schema-validator'\n" +
      'const chunks = []\n' +
      'for await (const chunk of process.stdin) chunks.push(chunk)\n' +
      'const validator = new Validator()\n' +
      'const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString()))\n' +
      'process.stdout.write(JSON.stringify({ ...result, version: validator.version }))\n'
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      input: JSON.stringify(doc),
      encoding: 'utf8',
    })
    const result = JSON.parse(out)
    expect(result.errors ?? []).toEqual([])
    expect(result).toMatchObject({ valid: true, version: '3.1' })
    // The same validator refuses a broken document: the check can fail.
    const broken = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      input: JSON.stringify({ ...doc, paths: { '/keys': { get: { responses: 'none' } } } }),
      encoding: 'utf8',
    })
    expect(JSON.parse(broken).valid).toBe(false)
  })

  it('describes every route of adminRouter, and no route it does not have', () => {
    const routes = routesOf(adminRouter({ store: new MemoryStore() }))
    expect(routes.length).toBeGreaterThan(15)
    expect([...routes].sort()).toEqual([...operationsOf(doc)].sort())
  })

  it('names every body schema the routes validate with, from their zod schemas', () => {
    const schemas = doc.components.schemas
    expect(schemas.KeyCreate).toMatchObject({
      type: 'object',
      required: ['name'],
      additionalProperties: false,
    })
    expect(schemas.PlanCreate?.properties).toHaveProperty('quota_window')
    expect(doc.paths['/keys']?.get?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'limit',
          in: 'query',
          schema: expect.objectContaining({ maximum: 100 }),
        }),
      ]),
    )
  })

  it('matches the committed docs/openapi.json and docs/openapi.md (npm run docs:openapi)', () => {
    const docs = join(__dirname, '..', '..', 'docs')
    const json = readFileSync(join(docs, 'openapi.json'), 'utf8')
    const markdown = readFileSync(join(docs, 'openapi.md'), 'utf8')
    const hint = 'docs/openapi.json or docs/openapi.md is stale: run `npm run docs:openapi`'
    expect({ hint, same: json === `${JSON.stringify(doc, null, 2)}\n` }).toEqual({
      hint,
      same: true,
    })
    expect({ hint, same: markdown === openApiMarkdown(doc) }).toEqual({ hint, same: true })
  })

  it('validates the openapi option, with the choices in the message', () => {
    expect(() => adminRouter({ store: new MemoryStore(), openapi: 'private' as never })).toThrow(
      KeyguardConfigError,
    )
    expect(() => adminRouter({ store: new MemoryStore(), openapi: 'private' as never })).toThrow(
      /option "openapi": must be "public", "admin" or "off"/,
    )
  })
})

describe.each(STORE_KINDS)('GET /openapi.json and the real answers (%s)', (kind) => {
  const h = useAdmin(kind)
  const doc = openApiDocument()
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true })
  ajv.addSchema(closed({ $id: 'doc', components: doc.components }) as object)

  /** The answer's body must match the document's schema for this route and status. */
  const conforms = (method: string, path: string, res: request.Response): void => {
    const op = doc.paths[path]?.[method] as { responses: Record<string, Record<string, unknown>> }
    expect({
      method,
      path,
      status: res.status,
      documented: op?.responses[res.status] !== undefined,
    }).toEqual({
      method,
      path,
      status: res.status,
      documented: true,
    })
    const answer = op.responses[res.status] as {
      $ref?: string
      content?: Record<string, { schema: { $ref: string } }>
    }
    // Error answers are shared components; every one of them has the Error body.
    const schema = answer.$ref
      ? '#/components/schemas/Error'
      : answer.content?.['application/json']?.schema.$ref
    const valid = ajv.validate({ $ref: `doc${schema}` }, res.body)
    expect({ method, path, status: res.status, errors: ajv.errors ?? null }).toEqual({
      method,
      path,
      status: res.status,
      errors: null,
    })
    expect(valid).toBe(true)
  }

  it('serves the document without a token, with the mount path as its server', async () => {
    const res = await request(h.app()).get('/admin/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ ...JSON.parse(JSON.stringify(doc)), servers: [{ url: '/admin' }] })
    const root = await request(h.app({}, '/')).get('/openapi.json')
    expect(root.body.servers).toEqual([{ url: '/' }])
  })

  it('puts it behind the admin token with openapi: "admin", and drops it with "off"', async () => {
    const admin = h.app({ openapi: 'admin' })
    expect((await request(admin).get('/admin/openapi.json')).status).toBe(401)
    expect((await call(admin, 'get', '/admin/openapi.json', h.token)).status).toBe(200)
    const off = h.app({ openapi: 'off' })
    expect((await request(off).get('/admin/openapi.json')).status).toBe(401)
    expect((await call(off, 'get', '/admin/openapi.json', h.token)).status).toBe(404)
  })

  it('answers what the document says, on every route, for success and failure', async () => {
    const app = h.app()
    const t = h.token
    const plan = await call(app, 'post', '/admin/plans', t, {
      id: `p${kind}`,
      name: 'P',
      rate: { per_second: 5 },
    })
    conforms('post', '/plans', plan)
    conforms(
      'post',
      '/plans',
      await call(app, 'post', '/admin/plans', t, { id: `p${kind}`, name: 'P' }),
    )
    conforms('post', '/plans', await call(app, 'post', '/admin/plans', t, { name: '' }))
    conforms('get', '/plans', await call(app, 'get', '/admin/plans', t))
    conforms('get', '/plans/{id}', await call(app, 'get', `/admin/plans/p${kind}`, t))
    conforms('get', '/plans/{id}', await call(app, 'get', '/admin/plans/missing', t))
    conforms(
      'put',
      '/plans/{id}',
      await call(app, 'put', `/admin/plans/p${kind}`, t, { quotas: { daily: 9 } }),
    )

    const created = await call(app, 'post', '/admin/keys', t, {
      name: 'Documented',
      user_id: 42,
      plan_id: `p${kind}`,
      scopes: ['a:b'],
      metadata: { team: 'x' },
      expires_at: '2099-01-01T00:00:00Z',
      quotas: { total: 100 },
    })
    conforms('post', '/keys', created)
    const id = created.body.data.id as string
    conforms('get', '/keys', await call(app, 'get', '/admin/keys?limit=5', t))
    conforms('get', '/keys', await call(app, 'get', '/admin/keys?limit=500', t))
    conforms('get', '/keys/{id}', await call(app, 'get', `/admin/keys/${id}`, t))
    conforms('get', '/keys/{id}', await call(app, 'get', '/admin/keys/00000000000000000000', t))
    conforms(
      'put',
      '/keys/{id}',
      await call(app, 'put', `/admin/keys/${id}`, t, { name: 'Renamed' }),
    )
    conforms(
      'put',
      '/keys/{id}',
      await call(app, 'put', `/admin/keys/${id}`, t, { name: 'x' }).set('If-Match', '"999"'),
    )
    conforms(
      'post',
      '/keys/{id}/regenerate',
      await call(app, 'post', `/admin/keys/${id}/regenerate`, t),
    )
    conforms('get', '/keys/{id}/usage', await call(app, 'get', `/admin/keys/${id}/usage`, t))
    const credits = `/admin/keys/${id}/credits`
    conforms(
      'post',
      '/keys/{id}/credits',
      await call(app, 'post', credits, t, { op: 'set', amount: 2 }),
    )
    conforms('post', '/keys/{id}/credits', await call(app, 'post', credits, t, { op: 'x' }))
    const secret = created.body.data.api_key as string
    const check = { api_key: secret, endpoint: '/v1/x', method: 'GET' }
    conforms('post', '/validate', await call(app, 'post', '/admin/validate', t, check))
    conforms('post', '/validate', await call(app, 'post', '/admin/validate', t, check))
    conforms('post', '/validate', await call(app, 'post', '/admin/validate', t, check))
    conforms('post', '/validate', await call(app, 'post', '/admin/validate', t, { api_key: 1 }))
    conforms('get', '/keys/{id}/requests', await call(app, 'get', `/admin/keys/${id}/requests`, t))
    const series = `/admin/keys/${id}/series`
    conforms('get', '/keys/{id}/series', await call(app, 'get', `${series}?granularity=day`, t))
    conforms('get', '/keys/{id}/series', await call(app, 'get', `${series}?granularity=week`, t))
    conforms(
      'post',
      '/tokens',
      await call(app, 'post', '/admin/tokens', t, { key_id: id, ttl_seconds: 60 }),
    )
    conforms('get', '/audit', await call(app, 'get', '/admin/audit?limit=100', t))
    conforms('get', '/ip-blocks', await call(app, 'get', '/admin/ip-blocks', t))
    conforms(
      'delete',
      '/ip-blocks/{ip}',
      await call(app, 'delete', '/admin/ip-blocks/203.0.113.9', t),
    )
    conforms(
      'delete',
      '/ip-blocks/{ip}/{bits}',
      await call(app, 'delete', '/admin/ip-blocks/2001:db8:1:2::/64', t),
    )
    conforms('get', '/keys', await request(app).get('/admin/keys'))
    conforms('delete', '/plans/{id}', await call(app, 'delete', `/admin/plans/p${kind}`, t))
    conforms('delete', '/keys/{id}', await call(app, 'delete', `/admin/keys/${id}`, t))
    await call(app, 'put', `/admin/keys/${id}`, t, { plan_id: null })
    conforms('delete', '/plans/{id}', await call(app, 'delete', `/admin/plans/p${kind}`, t))
    expect(h.unexpected).toEqual([])
  })
})

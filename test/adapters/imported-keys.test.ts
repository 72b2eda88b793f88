// Every framework's guard (and createVerifier) verifies imported keys alike: they share the guard core.

import { createVerifier, MemoryStore } from '../../src'
import { KeyManager } from '../../src/keys'
import { derivedIdOfToken } from '../../src/token'
import { FRAMEWORKS, type RunningServer, startServer } from '../harness/framework-servers'

describe('imported keys on every framework', () => {
  const store = new MemoryStore()
  const keys = new KeyManager(store)
  const token = 'sk_live_every_framework_key'
  const servers: RunningServer[] = []

  beforeAll(async () => {
    const { data } = await keys.import({ keys: [{ api_key: token, name: 'Everywhere' }] })
    expect(data.created).toBe(1)
  })
  afterAll(async () => {
    for (const server of servers) await server.close()
    await store.close()
  })

  it.each(FRAMEWORKS)(
    '%s admits the imported key and refuses it with importedKeys: false',
    async (framework) => {
      const open = await startServer(framework, { store })
      const closed = await startServer(framework, { store, importedKeys: false })
      servers.push(open, closed)
      const get = (url: string, value: string) =>
        fetch(`${url}/r`, { headers: { Authorization: `Bearer ${value}` } })
      const ok = await get(open.url, token)
      expect(ok.status).toBe(200)
      expect(((await ok.json()) as { apiKey: { id: string } }).apiKey.id).toBe(
        derivedIdOfToken(token),
      )
      expect((await get(open.url, 'sk_live_unknown_key_xyz')).status).toBe(401)
      const refused = await get(closed.url, token)
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { code: string }).code).toBe('INVALID_API_KEY')
    },
  )

  it('createVerifier admits it too', async () => {
    const result = await createVerifier({ store }).verifyRequest({ token })
    expect(result.allowed).toBe(true)
    expect(result.keyId).toBe(derivedIdOfToken(token))
  })
})

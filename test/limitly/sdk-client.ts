// A client that makes exactly the HTTP calls of Limitly's official SDKs (see the SDK surface reference): only baseUrl changes.

/** What the SDKs throw for a non-2xx answer: the body's `error` as message, the status, the body. */
export class LimitlyError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly response: Record<string, unknown>,
  ) {
    super(message)
  }
}

type Body = Record<string, unknown>
// The SDKs return the 2xx JSON body as it is; its shape is checked by the test.
// biome-ignore lint/suspicious/noExplicitAny: the SDKs type answers loosely; the test checks them.
type Answer = any

export class LimitlySdk {
  readonly apiKeys
  readonly plans
  readonly users
  readonly validation

  constructor(private readonly config: { apiKey: string; baseUrl: string }) {
    const call = this.request.bind(this)
    this.apiKeys = {
      list: () => call('GET', '/keys'),
      create: (body: Body) => call('POST', '/keys', body),
      get: (id: string) => call('GET', `/keys/${id}`),
      update: (id: string, body: Body) => call('PUT', `/keys/${id}`, body),
      delete: (id: string) => call('DELETE', `/keys/${id}`),
      regenerate: (id: string) => call('POST', `/keys/${id}/regenerate`),
      getUsage: (id: string) => call('GET', `/keys/${id}/usage`),
      getRequests: (id: string) => call('GET', `/keys/${id}/requests`),
    }
    this.plans = {
      list: () => call('GET', '/plans'),
      get: (id: string) => call('GET', `/plans/${id}`),
      create: (body: Body) => call('POST', '/plans', body),
      update: (id: string, body: Body) => call('PUT', `/plans/${id}`, body),
      delete: (id: string) => call('DELETE', `/plans/${id}`),
      getUsage: (id: string) => call('GET', `/plans/${id}/usage`),
      getUsers: (id: string) => call('GET', `/plans/${id}/users`),
      getKeys: (id: string) => call('GET', `/plans/${id}/keys`),
    }
    this.users = {
      list: () => call('GET', '/users'),
      get: (id: number) => call('GET', `/users/${id}`),
      create: (body: Body) => call('POST', '/users', body),
      update: (id: number, body: Body) => call('PUT', `/users/${id}`, body),
      delete: (id: number) => call('DELETE', `/users/${id}`),
      getUsage: (id: number) => call('GET', `/users/${id}/usage`),
      getKeys: (id: number) => call('GET', `/users/${id}/keys`),
      createKey: (id: number, body: Body) => call('POST', `/users/${id}/keys`, body),
    }
    this.validation = {
      validate: (apiKey: string, endpoint: string, method: string) =>
        call('POST', '/validate', { api_key: apiKey, endpoint, method }),
    }
  }

  private async request(method: string, path: string, body?: Body): Promise<Answer> {
    const response = await fetch(`${this.config.baseUrl}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.config.apiKey}`,
        'Content-Type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const json = (await response.json()) as Body
    if (!response.ok) {
      throw new LimitlyError(String(json.error ?? 'Request failed'), response.status, json)
    }
    return json
  }
}

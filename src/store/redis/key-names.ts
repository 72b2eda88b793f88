// Redis key names. Every key the verification touches carries the key's hash tag `{tag}`.

export interface RedisKeyNames {
  hot(tag: string, id: string): string
  ring(tag: string, id: string): string
  clientTokens(tag: string, id: string): string
  record(tag: string, id: string): string
  userRate(tag: string): string
  logs(tag: string, id: string): string
  keys: string
  plans: string
  planKeys(planId: string): string
  /** The audit trail: one capped stream. */
  audit: string
}

export function redisKeyNames(prefix: string): RedisKeyNames {
  return {
    hot: (tag, id) => `${prefix}{${tag}}:k:${id}`,
    ring: (tag, id) => `${prefix}{${tag}}:r:${id}`,
    clientTokens: (tag, id) => `${prefix}{${tag}}:c:${id}`,
    record: (tag, id) => `${prefix}{${tag}}:m:${id}`,
    userRate: (tag) => `${prefix}{${tag}}:u`,
    logs: (tag, id) => `${prefix}{${tag}}:l:${id}`,
    keys: `${prefix}keys`,
    plans: `${prefix}plans`,
    planKeys: (planId) => `${prefix}plan-keys:${planId}`,
    audit: `${prefix}audit`,
  }
}

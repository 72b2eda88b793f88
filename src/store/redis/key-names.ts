// Redis key names. Every key the verification touches carries the key's hash tag `{tag}`.

export interface RedisKeyNames {
  hot(tag: string, id: string): string
  ring(tag: string, id: string): string
  clientTokens(tag: string, id: string): string
  record(tag: string, id: string): string
  userRate(tag: string): string
  /** A user's record (JSON), in the slot of the user's keys. */
  user(tag: string, userId: string): string
  logs(tag: string, id: string): string
  /** A key's usage counters per hour and per day (hashes), written with its request log. */
  seriesHour(tag: string, id: string): string
  seriesDay(tag: string, id: string): string
  keys: string
  plans: string
  /** The ids of every user (a set), and the user id sequence. */
  users: string
  userSeq: string
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
    user: (tag, userId) => `${prefix}{${tag}}:user:${userId}`,
    users: `${prefix}users`,
    userSeq: `${prefix}users:seq`,
    logs: (tag, id) => `${prefix}{${tag}}:l:${id}`,
    seriesHour: (tag, id) => `${prefix}{${tag}}:sh:${id}`,
    seriesDay: (tag, id) => `${prefix}{${tag}}:sd:${id}`,
    keys: `${prefix}keys`,
    plans: `${prefix}plans`,
    planKeys: (planId) => `${prefix}plan-keys:${planId}`,
    audit: `${prefix}audit`,
  }
}

/** CRC16-XMODEM, the checksum Redis Cluster maps keys to slots with. */
function crc16(text: string): number {
  let crc = 0
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
    }
  }
  return crc
}

/** The Redis Cluster slot of every key under the hash tag `{tag}`. */
export const hashSlot = (tag: string): number => crc16(tag) % 16384

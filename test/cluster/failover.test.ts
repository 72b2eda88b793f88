// A real Redis Cluster (3 masters + 3 replicas on loopback): exact quotas across 3 app processes, a failover under load, a lagging replica, a shard that lost its data.

import { appendFileSync } from 'node:fs'
import { Cluster } from 'ioredis'
import { KeyManager, RedisStore } from '../../src'
import { hashSlot } from '../../src/store/redis/key-names'
import { mintToken, newKeyId } from '../../src/token'
import { run } from '../cli/run'
import { type ClusterApps, startClusterApps } from '../harness/cluster-apps'
import { recommendedClusterOptions } from '../harness/cluster-options'
import { runLoad, type Shot, tally } from '../harness/load'
import { uniquePrefix } from '../harness/redis'
import {
  type RedisClusterHandle,
  type ShardView,
  startRedisCluster,
} from '../harness/redis-cluster'

jest.setTimeout(120_000)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const TIMEOUT_MS = 500

/** Measured figures, for docs/operations.md: appended to KEYGUARD_FIGURES_FILE when it is set. */
function report(name: string, figures: Record<string, unknown>): void {
  const file = process.env.KEYGUARD_FIGURES_FILE
  if (file) appendFileSync(file, `${JSON.stringify({ name, ...figures })}\n`)
}

interface Made {
  id: string
  token: string
  quota: number
}

describe('a Redis Cluster of 3 masters and 3 replicas, 3 app processes', () => {
  let redis: RedisClusterHandle
  let cluster: Cluster
  let store: RedisStore
  let keys: KeyManager
  let apps: ClusterApps
  const prefix = uniquePrefix()

  beforeAll(async () => {
    // KEYGUARD_CLUSTER_ARGS adds redis-server arguments, e.g. to measure
    // `--cluster-require-full-coverage yes` for docs/operations.md.
    const extra = process.env.KEYGUARD_CLUSTER_ARGS?.split(' ').filter(Boolean) ?? []
    redis = await startRedisCluster({ args: ['--enable-debug-command', 'local', ...extra] })
    cluster = new Cluster(redis.seeds, recommendedClusterOptions())
    cluster.on('error', () => {})
    await new Promise((resolve) => cluster.once('ready', resolve))
    store = new RedisStore({ client: cluster, prefix, commandTimeout: 5000 })
    keys = new KeyManager(store)
    apps = await startClusterApps(3, { seeds: redis.seeds, prefix, timeoutMs: TIMEOUT_MS })
  })
  afterAll(async () => {
    await apps?.stop()
    await store?.close()
    cluster?.disconnect()
    await redis?.stop()
  })

  /** The shard a key lives on now. */
  const shardOf = (shards: ShardView[], id: string): ShardView => {
    const slot = hashSlot(id.slice(0, 12))
    const shard = shards.find((s) => s.slots.some(([a, b]) => slot >= a && slot <= b))
    if (!shard) throw new Error(`no master serves slot ${slot}`)
    return shard
  }

  const makeKeys = async (n: number, quota: number, label: string): Promise<Made[]> => {
    const made: Made[] = []
    for (let i = 0; i < n; i++) {
      const { data } = await keys.create({
        name: `${label} ${i}`,
        user_id: `${label}-${i}`,
        quotas: { total: quota },
      })
      made.push({ id: data.id, token: data.api_key, quota })
    }
    return made
  }

  /** 200s per key, from the answers. */
  const admittedPerKey = (shots: readonly Shot[], n: number): number[] => {
    const admitted = Array(n).fill(0) as number[]
    for (const s of shots) if (s.status === 200) admitted[s.key] = (admitted[s.key] ?? 0) + 1
    return admitted
  }

  /** Every record is still there, read through a fresh client after the faults. */
  const lostRecords = async (made: readonly Made[]): Promise<number> => {
    let lost = 0
    for (const m of made) if ((await store.loadKey(m.id)) === null) lost++
    return lost
  }

  it('admits exactly each quota across 3 processes, with keys on every shard', async () => {
    const made = await makeKeys(30, 20, 'exact')
    const shards = await redis.shards()
    expect(shards).toHaveLength(3)
    const used = new Set(made.map((m) => shardOf(shards, m.id).masterPort))
    expect(used.size).toBe(3)

    // 40 requests per key, all at once, spread over 3 processes of their own with a 5 s timeout:
    // this burst of 1,200 must not meet the 500 ms deadline on a busy 2-core machine.
    const patient = await startClusterApps(3, { seeds: redis.seeds, prefix, timeoutMs: 5000 })
    const answers = await Promise.all(
      Array.from({ length: 40 * made.length }, async (_, i) => {
        const key = i % made.length
        const res = await fetch(`${patient.urls[i % 3]}/r`, {
          headers: { authorization: `Bearer ${made[key]?.token}` },
        })
        return { key, status: res.status, code: ((await res.json()) as { code?: string }).code }
      }),
    ).finally(() => patient.stop())
    const admitted = Array(made.length).fill(0) as number[]
    for (const a of answers) if (a.status === 200) admitted[a.key] = (admitted[a.key] ?? 0) + 1
    expect(admitted).toEqual(Array(made.length).fill(20))
    expect(new Set(answers.filter((a) => a.status !== 200).map((a) => a.code))).toEqual(
      new Set(['QUOTA_EXCEEDED']),
    )
    // Each master holds records: a shard's keys live on it, not on one node.
    for (const shard of shards) {
      const node = redis.node(shard.masterPort).client()
      const [, found] = await node.scan('0', 'MATCH', `${prefix}{*}:m:*`, 'COUNT', 100000)
      expect(found.length).toBeGreaterThan(0)
    }
  })

  it('kill -9 of a master under load: no hang, no 500, no key over quota, no record lost', async () => {
    const made = await makeKeys(30, 30, 'failover')
    const shards = await redis.shards()
    const victim = shards[0] as ShardView
    const onVictim = made.map((m) => shardOf(shards, m.id).masterPort === victim.masterPort)
    expect(onVictim.some(Boolean)).toBe(true)

    await apps.health() // resets the processes' slowest answer
    const killAt = 1500
    let killed = false
    let killedAt = 0
    const result = await runLoad({
      urls: apps.urls,
      tokens: made.map((m) => m.token),
      rate: 200,
      seconds: 8,
      during: (elapsed) => {
        if (!killed && elapsed >= killAt) {
          killed = true
          killedAt = elapsed
          void redis.node(victim.masterPort).kill()
        }
      },
    })
    const { shots } = result
    const victimShots = shots.filter((s) => onVictim[s.key])
    const healthyShots = shots.filter((s) => !onVictim[s.key])
    const unavailable = victimShots.filter((s) => s.status === 503)
    const lastOutage = unavailable.reduce((m, s) => Math.max(m, s.at + s.ms), killedAt)
    const admitted = admittedPerKey(shots, made.length)
    const over = admitted.filter((n, i) => n > (made[i]?.quota ?? 0)).length
    const { unhandled, slowestMs: serverSlowestMs, loopDelayMs } = await apps.health()
    const figures = {
      requests: shots.length + result.hangs,
      statuses: tally(shots),
      victimShard503: unavailable.length,
      healthyShards503: healthyShots.filter((s) => s.status === 503).length,
      recoveryMs: lastOutage - killedAt,
      serverSlowestMs: Math.round(serverSlowestMs),
      loopDelayMs: Math.round(loopDelayMs),
      clientSlowestMs: Math.max(...shots.map((s) => s.ms)),
      hangs: result.hangs,
      keysOverQuota: over,
    }
    report('failover', figures)

    expect(result.hangs).toBe(0)
    expect(shots.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([])
    // The hard deadline: no request waited on the dead node (seconds, until the failover).
    // Measured in the app processes, from a request's arrival to its answer. A deadline cannot
    // fire while the event loop is held up, and on a loaded machine a request can meet two such
    // stalls, so twice the worst one is allowed for; test/redis/deadline.test.ts holds the
    // single-Redis bound to the timeout plus a few ms.
    expect(serverSlowestMs).toBeLessThan(TIMEOUT_MS + 2 * loopDelayMs + 100)
    expect(unhandled).toBe(0)
    expect(over).toBe(0)
    // The shard came back: its keys answer again before the load ended.
    expect(victimShots.filter((s) => s.at > lastOutage).length).toBeGreaterThan(0)
    await redis.waitHealthy()
    expect(await lostRecords(made)).toBe(0)

    // The old master rejoins as a replica of the promoted one, for the next test.
    await redis.node(victim.masterPort).restart()
    await redis.waitHealthy()
  })

  it('a replica cut off from its master, then a failover to it: the over-admission stays within the charges only the master had', async () => {
    const shards = await redis.shards()
    // The last shard: no failover happened there yet.
    const shard = shards[2] as ShardView
    const quota = 40
    // Keys on that shard only: the lost writes are theirs.
    const made: Made[] = []
    for (let i = 0; made.length < 12; i++) {
      if (shardOf(shards, newKeyId(`lag-${i}`)).masterPort !== shard.masterPort) continue
      const { data } = await keys.create({
        name: `lag ${i}`,
        user_id: `lag-${i}`,
        quotas: { total: quota },
      })
      made.push({ id: data.id, token: data.api_key, quota })
    }
    const master = redis.node(shard.masterPort).client()
    const replica = redis.node(shard.replicaPorts[0] as number).client()
    await sleep(200) // the replica has every key written above
    await apps.health()
    const tokens = made.map((m) => m.token)

    // At 1 s the replica sleeps 4 s and its link is cut: the master goes on alone; at 2 s it dies.
    let step = 0
    let cutAt = 0
    let killedAt = 0
    const before = await runLoad({
      urls: apps.urls,
      tokens,
      rate: 150,
      seconds: 2.1,
      during: (elapsed) => {
        if (step === 0 && elapsed >= 1000) {
          step = 1
          replica.call('DEBUG', 'SLEEP', '4').catch(() => {})
        } else if (step === 1 && elapsed >= 1100) {
          step = 2
          cutAt = elapsed
          master.call('CLIENT', 'KILL', 'TYPE', 'replica').catch(() => {})
        } else if (step === 2 && elapsed >= 2050) {
          step = 3
          killedAt = elapsed
          void redis.node(shard.masterPort).kill()
        }
      },
    })
    await redis.waitHealthy()
    // Charges the promoted replica lacks: admitted before the kill, not in its counters.
    const admittedBefore = admittedPerKey(before.shots, made.length)
    let lostCharges = 0
    for (const [i, m] of made.entries()) {
      const used = (await keys.usage(m.id)).data.current_usage
      lostCharges += Math.max(0, (admittedBefore[i] ?? 0) - used)
    }
    // Then enough load for every key to reach its quota again.
    const after = await runLoad({ urls: apps.urls, tokens, rate: 150, seconds: 4 })
    const shots = [...before.shots, ...after.shots]
    const admitted = admittedPerKey(shots, made.length)
    const overAdmitted = admitted.reduce((sum, n) => sum + Math.max(0, n - quota), 0)
    const unreplicated = before.shots.filter(
      (s) => s.status === 200 && s.at >= cutAt && s.at <= killedAt,
    ).length
    const { unhandled, slowestMs: serverSlowestMs, loopDelayMs } = await apps.health()
    const figures = {
      requests: shots.length + before.hangs + after.hangs,
      statuses: tally(shots),
      lagMs: killedAt - cutAt,
      admittedWhileCut: unreplicated,
      lostCharges,
      overAdmitted,
      worstKeyOver: Math.max(...admitted.map((n) => n - quota)),
      hangs: before.hangs + after.hangs,
      serverSlowestMs: Math.round(serverSlowestMs),
      loopDelayMs: Math.round(loopDelayMs),
    }
    report('lagging replica', figures)

    expect(figures.hangs).toBe(0)
    expect(shots.filter((s) => s.status >= 500 && s.status !== 503)).toEqual([])
    expect(serverSlowestMs).toBeLessThan(TIMEOUT_MS + 2 * loopDelayMs + 100)
    expect(unhandled).toBe(0)
    // Async replication loses the charges only the dead master had, no more; each is a credit
    // given twice at most, so the over-admission stays within them.
    expect(lostCharges).toBeLessThanOrEqual(unreplicated)
    expect(overAdmitted).toBeLessThanOrEqual(lostCharges)
    expect(admitted.every((n) => n >= quota)).toBe(true)
    expect(await lostRecords(made)).toBe(0)
    await redis.node(shard.masterPort).restart()
    await redis.waitHealthy()
  })

  it('a shard that lost its data answers 503 for its keys until confirmed; the other shards go on', async () => {
    const made = await makeKeys(30, 1000, 'lost')
    const shards = await redis.shards()
    const victim = shards[1] as ShardView
    const onVictim = (id: string) => shardOf(shards, id).masterPort === victim.masterPort
    // FLUSHALL on a master empties its replica too: the shard comes back with nothing.
    await redis.node(victim.masterPort).client().flushall()
    const get = async (token: string) => {
      const res = await fetch(`${apps.urls[0]}/r`, {
        headers: { authorization: `Bearer ${token}` },
      })
      return { status: res.status, code: ((await res.json()) as { code?: string }).code }
    }
    for (const m of made) {
      const answer = await get(m.token)
      expect(answer).toEqual(
        onVictim(m.id)
          ? { status: 503, code: 'STORE_UNAVAILABLE' }
          : { status: 200, code: undefined },
      )
    }
    // A guess on a healthy shard is still a guess.
    const healthyGuess = made.find((m) => !onVictim(m.id)) as Made
    expect(await get(mintToken('kg', 'sk', healthyGuess.id))).toEqual({
      status: 401,
      code: 'INVALID_API_KEY',
    })

    const seed = `redis://127.0.0.1:${redis.seeds[0]?.port}`
    const status = await run(['store', 'status', '--cluster', '--json', '--prefix', prefix], {
      REDIS_URL: seed,
    })
    expect(status.code).toBe(1)
    expect(JSON.parse(status.stdout).data.state).toBe('partial')
    const confirmed = await run(
      ['store', 'confirm-empty', '--cluster', '--yes', '--prefix', prefix],
      { REDIS_URL: seed },
    )
    expect(confirmed.code).toBe(0)
    const victimKey = made.find((m) => onVictim(m.id)) as Made
    expect(await get(victimKey.token)).toEqual({ status: 401, code: 'INVALID_API_KEY' })
  })
})

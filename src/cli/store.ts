// `keyguard store status|confirm-empty`: whether Redis still holds keyguard's data, and the operator's word that it is meant to be gone.

import type { Command } from 'commander'
import { Cluster } from 'ioredis'
import { RedisStore } from '../store'
import {
  CliError,
  type Connection,
  connect,
  disconnect,
  EXIT,
  type GlobalOptions,
  globalOptions,
  safeUrl,
} from './context'
import { print } from './format'

interface StoreFlags {
  cluster?: boolean
  yes?: boolean
}

type Checked = { store: RedisStore; close: () => Promise<void> }

/** A Redis Cluster reached through the node of the URL: its sentinels span every node. */
async function openCluster(options: GlobalOptions): Promise<Checked> {
  let seed: URL
  try {
    seed = new URL(options.redisUrl)
  } catch (error) {
    throw new CliError(`bad --redis-url: ${(error as Error).message}`, EXIT.usage)
  }
  const cluster = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
    redisOptions: { password: seed.password || undefined, connectTimeout: 3000 },
    clusterRetryStrategy: () => null,
  })
  cluster.on('error', () => {})
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000)
    cluster.once('ready', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  if (!ready) {
    cluster.disconnect()
    throw new CliError(
      `cannot reach the Redis Cluster at ${safeUrl(options.redisUrl)}`,
      EXIT.failure,
    )
  }
  const store = new RedisStore({ client: cluster, prefix: options.prefix, commandTimeout: 10000 })
  return {
    store,
    close: async () => {
      await store.close()
      cluster.disconnect()
    },
  }
}

async function open(cmd: Command, flags: StoreFlags): Promise<Checked> {
  const options = globalOptions(cmd)
  if (flags.cluster) return openCluster(options)
  const conn: Connection = await connect(options)
  return { store: conn.store, close: () => disconnect(conn) }
}

async function withChecked(cmd: Command, work: (c: Checked) => Promise<void>): Promise<void> {
  const flags = cmd.opts() as StoreFlags
  const checked = await open(cmd, flags)
  try {
    await work(checked)
  } finally {
    await checked.close()
  }
}

export function storeCommand(program: Command): void {
  const store = program
    .command('store')
    .description("whether Redis still holds keyguard's data (its sentinels), and confirming a loss")

  store
    .command('status')
    .description('count the sentinels: all there, or Redis lost data (exit 1)')
    .option('--cluster', 'REDIS_URL names one node of a Redis Cluster. Defaults to a single Redis')
    .action(async (_o: unknown, cmd: Command) => {
      await withChecked(cmd, async ({ store: s }) => {
        const { present, expected } = await s.sentinelCount()
        const keyCount = (await s.listKeyIds()).length
        const state = present === expected ? 'intact' : present === 0 ? 'empty' : 'partial'
        const result = { data: { state, sentinels: present, expected, keys: keyCount } }
        print(globalOptions(cmd).json, result, () => {
          const head = `sentinels: ${present} of ${expected}; keys listed: ${keyCount}`
          if (state === 'intact') return `${head}\nthe store holds its data`
          return (
            `${head}\nthe store is ${state}: unknown keys answer 503 STORE_UNAVAILABLE. Restore ` +
            'the data, or run `keyguard store confirm-empty --yes` if the keys are meant to be gone'
          )
        })
        if (state !== 'intact') process.exitCode = EXIT.refused
      })
    })

  store
    .command('confirm-empty')
    .description(
      'confirm that keys missing from Redis are meant to be gone: unknown keys answer 401 again',
    )
    .option('--cluster', 'REDIS_URL names one node of a Redis Cluster. Defaults to a single Redis')
    .option(
      '--yes',
      'required: the keys Redis lost will not come back without a restore. Defaults to off (refused)',
    )
    .action(async (_o: unknown, cmd: Command) => {
      if (!(cmd.opts() as StoreFlags).yes) {
        throw new CliError(
          'confirm-empty makes every token of a lost key count as a guess (401, IP blocks); ' +
            'restore the data instead if you can, else add --yes',
          EXIT.usage,
        )
      }
      await withChecked(cmd, async ({ store: s }) => {
        const written = await s.confirmDataLoss()
        const result = { data: { message: 'store confirmed', sentinels_written: written } }
        print(
          globalOptions(cmd).json,
          result,
          () => `store confirmed: ${written} sentinel(s) written; unknown keys answer 401 again`,
        )
      })
    })
}

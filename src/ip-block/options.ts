// IP blocking options (the guard's `ipBlock`), their defaults, and the shape of a listed block.

export interface IpBlockOptions {
  /** Failed authentications from one IP (or IPv6 /64) that trigger a block. Defaults to 20. */
  failures?: number
  /** Window the failures are counted in, in seconds. Defaults to 600. */
  window?: number
  /** Block duration, in seconds. Defaults to 900. */
  block?: number
  /** How long a process trusts its in-memory copy of a block before re-reading it, in seconds. Defaults to 5. */
  recheck?: number
}

export interface IpBlock {
  ip: string
  blocked_until: string
}

export type Settings = Required<IpBlockOptions>

export const settingsOf = (o: IpBlockOptions): Settings => ({
  failures: o.failures ?? 20,
  window: o.window ?? 600,
  block: o.block ?? 900,
  recheck: o.recheck ?? 5,
})

export const named = (o: IpBlockOptions): boolean =>
  Object.values(o).some((value) => value !== undefined)

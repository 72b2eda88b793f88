// The soak's clients: guard traffic (valid tokens with quotas, guesses, malformed tokens) and admin operations, each answer counted.

const { randomInt } = require('node:crypto')

/** Counters the soak reports; the `zero` ones must stay 0. */
function newCounters() {
  return {
    zero: { lostRecords: 0, overAdmitted: 0, http500: 0, hangs: 0, unhandledRejections: 0 },
    statuses: {},
    admin: {},
    faults: { kills: 0, scriptFlushes: 0 },
    requests: 0,
  }
}

const bump = (table, name) => {
  table[name] = (table[name] ?? 0) + 1
}

/** One request with a hard bound: no answer within `hangMs` is a hang. */
async function call(counters, url, init, hangMs) {
  counters.requests++
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(hangMs) })
    const body = await res.json().catch(() => ({}))
    if (res.status >= 500 && res.status !== 503) counters.zero.http500++
    return { status: res.status, body }
  } catch {
    counters.zero.hangs++
    return { status: 0, body: {} }
  }
}

/** Guard traffic: mostly valid tokens of quota keys, some guesses and malformed tokens from many IPs. */
function guardShot(ctx) {
  const { counters, base, quotaKeys, mint } = ctx
  const roll = randomInt(100)
  let token
  let ip = `192.0.2.${randomInt(1, 200)}`
  let quotaKey = null
  if (roll < 80) {
    quotaKey = quotaKeys[randomInt(quotaKeys.length)]
    token = quotaKey.token
  } else if (roll < 95) {
    token = mint()
    ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`
  } else {
    token = 'kg_sk_not-a-token'
    ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`
  }
  const init = { headers: { 'x-api-key': token, 'x-forwarded-for': ip } }
  return call(counters, `${base}/r`, init, ctx.hangMs).then(({ status, body }) => {
    bump(counters.statuses, status === 200 ? '200' : `${status} ${body.code ?? ''}`.trim())
    if (quotaKey && status === 200) quotaKey.admitted++
  })
}

/** One admin operation: create, rename, deactivate and reactivate, or regenerate a churn key. */
function adminShot(ctx) {
  const { counters, base, adminToken, created } = ctx
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }
  const roll = randomInt(100)
  const existing = created.length > 0 ? created[randomInt(created.length)] : null
  let op
  let request
  if (roll < 40 || existing === null) {
    op = 'create'
    request = { method: 'POST', path: '/keys', body: { name: `soak ${created.length}` } }
  } else if (roll < 70) {
    op = 'update'
    request = {
      method: 'PUT',
      path: `/keys/${existing}`,
      body: { name: `renamed ${randomInt(1e6)}` },
    }
  } else if (roll < 85) {
    op = 'status'
    const status = randomInt(2) === 0 ? 'inactive' : 'active'
    request = { method: 'PUT', path: `/keys/${existing}`, body: { status } }
  } else {
    op = 'regenerate'
    request = { method: 'POST', path: `/keys/${existing}/regenerate`, body: {} }
  }
  const init = { method: request.method, headers, body: JSON.stringify(request.body) }
  return call(counters, `${base}/admin${request.path}`, init, ctx.adminHangMs).then(
    ({ status, body }) => {
      bump(counters.admin, `${op} ${status}`)
      if (op === 'create' && status === 201 && body.data?.id) created.push(body.data.id)
    },
  )
}

module.exports = { adminShot, bump, guardShot, newCounters }

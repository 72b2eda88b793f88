// Child processes of a run: each is tracked, spoken to over IPC, and killed on the way out.

const children = new Set()

/** Registers `child`; `after` runs once it exits (or is killed), e.g. to remove its files. */
function track(child, after) {
  const entry = { child, after }
  children.add(entry)
  child.once('exit', () => {
    children.delete(entry)
    after?.()
  })
  return child
}

function killAll() {
  for (const { child, after } of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL')
      } catch {}
    }
    try {
      after?.()
    } catch {}
  }
  children.clear()
}

// Whatever ends the run, no server, load generator or redis-server outlives it.
process.on('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping every child process`)
    killAll()
    process.exit(130)
  })
}

let lastId = 0
/** A fresh message id, so a reply is never taken for another request's. */
const nextId = () => ++lastId

/** Sends `msg` and resolves with the child's next message of type `reply`. */
function ask(child, msg, reply, timeoutMs) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m?.type !== reply || (msg.id !== undefined && m.id !== msg.id)) return
      done()
      if (m.error) reject(new Error(m.error))
      else resolve(m)
    }
    const onExit = (code) => {
      done()
      reject(new Error(`child exited (code ${code}) while waiting for "${reply}"`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new Error(`no "${reply}" from child within ${timeoutMs} ms`))
    }, timeoutMs)
    const done = () => {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
    if (msg.type) child.send(msg)
  })
}

/** Asks `child` to exit, and kills it if it has not within 5 s. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  try {
    child.send({ type: 'exit' })
  } catch {}
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

module.exports = { track, killAll, ask, stopChild, nextId, sleep }

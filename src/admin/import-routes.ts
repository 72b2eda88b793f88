// POST /keys/import: existing keys (plaintext or SHA-256) in, `{created, skipped, errors}` out.

import { actorOf, type RouteContext, type Routes } from './route-kit'

export function importRoutes({ keys, audit, recorded }: RouteContext): Routes {
  return {
    '/keys/import': {
      POST: async (req, res) => {
        // The body's shape (`{keys: [rows]}`) is checked by import; a bad row is reported, not thrown.
        const { data, created } = await keys.import(req.body ?? {})
        const actor = actorOf(req)
        await Promise.all(created.map((key) => recorded(() => audit.keyCreated(actor, key))))
        // A batch report, whatever it holds: 200 (a row's problem is in `errors`, not the status).
        return res.json({ data })
      },
    },
  }
}

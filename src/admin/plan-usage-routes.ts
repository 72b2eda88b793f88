// GET /plans/:id/usage and /plans/:id/keys: a plan's use and its keys, as Limitly's SDKs read them.

import { id, type RouteContext, type Routes } from './route-kit'

export function planUsageRoutes({ keys }: RouteContext): Routes {
  return {
    '/plans/:id/usage': {
      GET: async (req, res) => res.json(await keys.plans.usage(id(req))),
    },
    '/plans/:id/keys': {
      GET: async (req, res) => res.json(await keys.plans.keys(id(req))),
    },
  }
}

// GET /keys/:id/series: a key's requests per hour (7 days) or per day (90 days), allowed and rejected by code.

import { id, type RouteContext, type Routes } from './route-kit'

export function seriesRoutes({ keys }: RouteContext): Routes {
  return {
    '/keys/:id/series': {
      GET: async (req, res) => res.json(await keys.series(id(req), req.query)),
    },
  }
}

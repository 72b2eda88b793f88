// POST /keys/:id/credits: set, top up or take from a key's credits, atomically against its traffic.

import type { CreditsInput } from '../keys'
import { actorOf, body, etag, id, type RouteContext, type Routes, writeOptions } from './route-kit'

export function creditsRoutes({ keys, audit, recorded }: RouteContext): Routes {
  return {
    '/keys/:id/credits': {
      POST: async (req, res) => {
        const { data, before, version, credits } = await keys.creditsEdit(
          id(req),
          body(req) as CreditsInput,
          writeOptions(req),
        )
        await recorded(() => audit.keyCredits(actorOf(req), before, data, credits))
        return res.setHeader('ETag', etag(version)).json({ data, credits })
      },
    },
  }
}

// The /users routes (Limitly's users), and GET /plans/:id/users.

import type { KeyCreateInput, UserCreateInput, UserUpdateInput } from '../keys'
import { actorOf, body, id, type RouteContext, type Routes } from './route-kit'

export function userRoutes({ keys, audit, recorded }: RouteContext): Routes {
  return {
    '/users': {
      GET: async (_req, res) => res.json(await keys.users.list()),
      POST: async (req, res) => {
        const result = await keys.users.create(body(req) as UserCreateInput)
        await recorded(() => audit.userCreated(actorOf(req), result.data))
        return res.status(201).json(result)
      },
    },
    '/users/:id': {
      GET: async (req, res) => res.json(await keys.users.get(id(req))),
      PUT: async (req, res) => {
        const input = body(req) as UserUpdateInput
        const { data, before, changed } = await keys.users.edit(id(req), input)
        if (changed) await recorded(() => audit.userUpdated(actorOf(req), before, data))
        return res.json({ data })
      },
      DELETE: async (req, res) => {
        const { data, before } = await keys.users.remove(id(req))
        await recorded(() => audit.userDeleted(actorOf(req), before))
        return res.json({ data })
      },
    },
    '/users/:id/keys': {
      GET: async (req, res) => res.json(await keys.users.keys(id(req))),
      POST: async (req, res) => {
        const result = await keys.users.createKey(id(req), body(req) as KeyCreateInput)
        await recorded(() => audit.keyCreated(actorOf(req), result.data))
        return res.status(201).json(result)
      },
    },
    '/users/:id/usage': {
      GET: async (req, res) => res.json(await keys.users.usage(id(req))),
    },
    '/plans/:id/users': {
      GET: async (req, res) => res.json(await keys.users.ofPlan(id(req))),
    },
  }
}

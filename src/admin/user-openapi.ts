// The users routes as OpenAPI operations (Limitly's users surface).

import type { ErrorStatus, Operation } from './openapi-operations'

const GUARDED: ErrorStatus[] = [401, 403, 429, 503]
const WITH_BODY: ErrorStatus[] = [...GUARDED, 400, 413, 415]

export const USER_OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/users',
    tag: 'users',
    summary: 'List users, by user id',
    ok: { status: 200, schema: 'UserList', description: 'Every user, each with its plan' },
    errors: GUARDED,
  },
  {
    method: 'post',
    path: '/users',
    tag: 'users',
    summary: 'Create a user',
    description:
      'Without `user_id`, the next free whole number is assigned. A `user_id` that exists already answers 409 `CONFLICT`; a `plan_id` that does not, 404 `PLAN_NOT_FOUND`.',
    body: 'UserCreate',
    ok: { status: 201, schema: 'UserAnswer', description: 'The user' },
    errors: [...WITH_BODY, 404, 409],
  },
  {
    method: 'get',
    path: '/users/:id',
    tag: 'users',
    summary: 'Get a user',
    ok: { status: 200, schema: 'UserAnswer', description: 'The user, with its plan' },
    errors: [...GUARDED, 404],
  },
  {
    method: 'put',
    path: '/users/:id',
    tag: 'users',
    summary: 'Change a user',
    description:
      "`is_disabled: true` refuses every key of the user (401 `INACTIVE_API_KEY`) from the next request on; `false` lets them in again. A new `plan_id` gives the keys of the user without a plan of their own the plan's limits before the answer.",
    body: 'UserUpdate',
    ok: { status: 200, schema: 'UserAnswer', description: 'The user as written' },
    errors: [...WITH_BODY, 404, 409],
  },
  {
    method: 'delete',
    path: '/users/:id',
    tag: 'users',
    summary: 'Delete a user who has no keys',
    description:
      'A user who still has keys answers 409 `USER_IN_USE`: delete its keys first (a key cannot move to another user).',
    ok: { status: 200, schema: 'MessageAnswer', description: 'Deleted' },
    errors: [...GUARDED, 404, 409],
  },
  {
    method: 'get',
    path: '/users/:id/keys',
    tag: 'users',
    summary: "A user's API keys, newest first",
    ok: { status: 200, schema: 'UserKeyList', description: 'Every key of the user' },
    errors: [...GUARDED, 404],
  },
  {
    method: 'post',
    path: '/users/:id/keys',
    tag: 'users',
    summary: 'Create an API key of a user',
    description:
      "The body of `POST /keys`; `user_id` may be left out (else it must be this user's). The answer holds the secret (`api_key`): it is shown this once.",
    body: 'KeyCreate',
    ok: { status: 201, schema: 'KeyWithSecretAnswer', description: 'The key and its secret' },
    errors: [...WITH_BODY, 404],
  },
  {
    method: 'get',
    path: '/users/:id/usage',
    tag: 'users',
    summary: "A user's usage in its plan's period (Limitly's fields)",
    ok: { status: 200, schema: 'UserUsageAnswer', description: 'Usage now' },
    errors: [...GUARDED, 404],
  },
  {
    method: 'get',
    path: '/plans/:id/users',
    tag: 'plans',
    summary: 'The users whose plan this is',
    ok: { status: 200, schema: 'PlanUsersAnswer', description: 'The plan and its users' },
    errors: [...GUARDED, 404],
  },
]

export const USERS_TAG = { name: 'users', description: 'Users: the owners of keys (Limitly)' }

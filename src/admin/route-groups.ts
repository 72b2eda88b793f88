// The route groups beyond keys and plans, each in its own file: adminRouter mounts them all.

import type { RouteContext, Routes } from './route-kit'

export const ROUTE_GROUPS: ReadonlyArray<(context: RouteContext) => Routes> = []

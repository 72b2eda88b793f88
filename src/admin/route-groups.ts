// The route groups beyond keys and plans, each in its own file: adminRouter mounts them all.

import { creditsRoutes } from './credits-routes'
import { importRoutes } from './import-routes'
import { planUsageRoutes } from './plan-usage-routes'
import type { RouteContext, Routes } from './route-kit'
import { seriesRoutes } from './series-routes'
import { userRoutes } from './user-routes'
import { validateRoutes } from './validate-routes'

export const ROUTE_GROUPS: ReadonlyArray<(context: RouteContext) => Routes> = [
  creditsRoutes,
  validateRoutes,
  importRoutes,
  userRoutes,
  planUsageRoutes,
  seriesRoutes,
]

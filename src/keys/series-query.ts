// The query of a key's usage series (`GET /keys/:id/series`): its granularity, hourly by default.

import { z } from 'zod'

export const seriesQuerySchema = z.object({
  granularity: z
    .enum(['hour', 'day'], {
      error: 'must be "hour" (the last 7 days, per hour) or "day" (the last 90 days, per day)',
    })
    .default('hour'),
})

export type SeriesQuery = z.input<typeof seriesQuerySchema>

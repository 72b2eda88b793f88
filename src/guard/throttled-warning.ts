// A warning that a storm of the same failure turns into one line a second, with a count.

import type { Logger } from '../telemetry'

const INTERVAL_MS = 1000

export class ThrottledWarning {
  private lastAt = -Infinity
  private suppressed = 0

  constructor(private readonly logger: Logger) {}

  warn(fields: object, message: string): void {
    const now = Date.now()
    if (now - this.lastAt < INTERVAL_MS) {
      this.suppressed++
      return
    }
    const repeated = this.suppressed
    this.lastAt = now
    this.suppressed = 0
    this.logger.warn(repeated > 0 ? { ...fields, repeated } : fields, message)
  }
}

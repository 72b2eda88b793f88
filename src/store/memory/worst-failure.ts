// Which refusal to report when several limits refuse at once: the one the client must wait longest for.

/** Ties between quotas go to the total (it never resets), then to the longest window. */
const rank = (window: number): number => (window === 3 ? 8 : window)

/**
 * Windows are numbered as in the reply: 1 second, 2 minute, 3 total, 4 daily, 5 weekly, 6 monthly,
 * 7 yearly.
 * A quota beats a rate; a wait of -1 (never, within the limit) beats any finite wait.
 */
export class WorstFailure {
  window = 0
  waitMs = 0

  add(window: number, waitMs: number): void {
    if (this.window === 0 || this.isWorse(window, waitMs)) {
      this.window = window
      this.waitMs = waitMs
    }
  }

  private isWorse(window: number, waitMs: number): boolean {
    if (window >= 3 !== this.window >= 3) return window >= 3
    if (waitMs < 0 !== this.waitMs < 0) return waitMs < 0
    if (waitMs !== this.waitMs) return waitMs > this.waitMs
    return rank(window) > rank(this.window)
  }
}

// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in CI logs or
// when output is piped), redrawn at most every 100 ms.

export class Progress {
  private readonly enabled: boolean
  private last = 0
  private drawn = false

  constructor(
    private readonly label: string,
    enabled: boolean = Boolean(process.stderr.isTTY),
  ) {
    this.enabled = enabled
  }

  /** `done`/`total` in any unit (bytes, events); `detail` is appended (rate, counts). */
  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100) return
    this.last = now
    const width = 30
    const frac = total > 0 ? Math.min(1, done / total) : 0
    const filled = Math.round(frac * width)
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
    const pct = total > 0 ? `${(frac * 100).toFixed(1).padStart(5)}%` : ''
    process.stderr.write(`\r\x1b[2K${this.label} ${bar} ${pct} ${detail}`)
    this.drawn = true
  }

  /** Clears the line. */
  finish(): void {
    if (this.enabled && this.drawn) process.stderr.write('\r\x1b[2K')
    this.drawn = false
  }
}

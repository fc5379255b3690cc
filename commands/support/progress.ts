// A one-line progress bar on stderr, drawn only when stderr is a terminal (never in CI logs or
// when output is piped), redrawn at most every 100 ms. The line never exceeds the terminal's
// width: a wrapped line would break the carriage-return redraw and pile up on screen.
//
//   replaying ████████████░░░░░░░░░░░░  48.2% ETA 12s · 1,234,567 events
//   recording (dummy) ██████░░░░░░░░░░░░  25.0% ETA 3m05s · 250,000 events 1.2M/s

export interface ProgressLine {
  /** What runs: `recording`, `replaying`... */
  label: string
  /** The current pass, when the work has several (shown after the label). */
  pass?: string
  /** Done so far, 0 to 1; null when unknown (no bar, no ETA). */
  fraction: number | null
  elapsedMs: number
  /** Counts, rates: shortened first when the terminal is narrow. */
  detail: string
  columns: number
}

const MIN_BAR = 10
const MAX_BAR = 40

/** `ETA 3m05s`: the remaining time at the average rate so far; empty until it means something. */
export function eta(fraction: number, elapsedMs: number): string {
  if (fraction <= 0.005 || fraction >= 1 || elapsedMs < 1000) return ''
  const s = Math.round((elapsedMs * (1 - fraction)) / fraction / 1000)
  if (s < 60) return `ETA ${s}s`
  if (s < 3600) return `ETA ${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  return `ETA ${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** The text of one progress line, at most `columns - 1` characters (the cursor's column). */
export function renderProgress(p: ProgressLine): string {
  const width = Math.max(20, p.columns) - 1
  let head = p.pass ? `${p.label} (${p.pass})` : p.label
  if (p.fraction === null) return fit(`${head} · ${p.detail}`, width)
  const frac = Math.min(1, Math.max(0, p.fraction))
  const pct = `${(frac * 100).toFixed(1).padStart(5)}%`
  const tail = [pct, eta(frac, p.elapsedMs)].filter(Boolean).join(' ')
  // a narrow terminal loses the detail first, then the pass, then the bar: never the percentage
  if (head.length + MIN_BAR + tail.length + 2 > width) head = p.label
  const room = width - head.length - tail.length - 2
  let barWidth = Math.min(MAX_BAR, Math.max(MIN_BAR, room - Math.min(p.detail.length + 3, 30)))
  if (barWidth > room) barWidth = 0
  const filled = Math.round(frac * barWidth)
  const bar = barWidth > 0 ? `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ` : ''
  const line = `${head} ${bar}${tail}`
  return fit(p.detail ? `${line} · ${p.detail}` : line, width)
}

function fit(text: string, width: number): string {
  const chars = [...text]
  return chars.length <= width ? text : chars.slice(0, width - 1).join('') + '…'
}

export class Progress {
  private readonly enabled: boolean
  private readonly started = Date.now()
  private last = 0
  private drawn = false

  constructor(
    private readonly label: string,
    enabled: boolean = Boolean(process.stderr.isTTY),
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = enabled
  }

  /**
   * `done` of `total` in any unit (bytes, events; `total` 0: unknown, or pass `fraction`);
   * `detail` follows the bar (counts, rates) and must not repeat the percentage.
   */
  update(done: number, total: number, detail = '', options: {pass?: string; fraction?: number | null} = {}): void {
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.last < 100) return
    this.last = now
    const fraction = options.fraction !== undefined ? options.fraction : total > 0 ? done / total : null
    const line = renderProgress({label: this.label, pass: options.pass, fraction, elapsedMs: now - this.started, detail, columns: this.out.columns ?? 80})
    this.out.write(`\r\x1b[2K${line}`)
    this.drawn = true
  }

  /** Clears the line. */
  finish(): void {
    if (this.enabled && this.drawn) this.out.write('\r\x1b[2K')
    this.drawn = false
  }
}

// Streamed output (print's lines, replay's alerts): written to stdout chunk by chunk with
// backpressure, and stopping quietly when the reader goes away (`| head`).

export class StdoutStream {
  /** Set when stdout was closed by its reader (EPIPE): the run should stop. */
  readonly closed = new AbortController()

  constructor() {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.closed.abort()
      else throw err
    })
  }

  /** Writes `text`; resolves once stdout can take more. */
  write(text: string): Promise<void> {
    if (text === '' || this.closed.signal.aborted) return Promise.resolve()
    if (process.stdout.write(text)) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        process.stdout.off('drain', done)
        this.closed.signal.removeEventListener('abort', done)
        resolve()
      }
      process.stdout.once('drain', done)
      this.closed.signal.addEventListener('abort', done, {once: true})
    })
  }
}

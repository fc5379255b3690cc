// `scaptool print`'s work once its command line is read, by oclif (print.ts) or by the direct
// path (direct.ts): the progress bar, the run, the outcome. No oclif here.
import {print, type PrintOptions, type PrintSummary} from '../../src/engine/print.js'
import type {IsolationOptions} from '../../src/worker/isolate.js'
import {EXIT} from './exit-codes.js'
import type {Outcome} from './outcome.js'
import {thousands} from './output.js'
import {Progress} from './progress.js'

/** The defaults of print's flags, shared by both ways in. */
export const PRINT_DEFAULTS = {timezone: 'UTC', batchEvents: 16384}

export async function runPrint(options: PrintOptions, isolation: IsolationOptions): Promise<Outcome> {
  // A bar would mix with the lines when both go to the terminal.
  const progress = new Progress('printing', Boolean(process.stderr.isTTY) && !process.stdout.isTTY)
  let summary: PrintSummary
  try {
    summary = await print(
      // the lines go from the native side straight to stdout
      {...options, outputFd: 1},
      {
        onProgress: (p) => progress.update(p.position, p.fileSize, `${thousands(p.events)} events, ${thousands(p.matched)} matched`),
        ...isolation,
      },
    )
  } finally {
    progress.finish()
  }
  return {data: summary, text: '', exitCode: EXIT.OK, streamed: true}
}

// Print: sysdig's `-r capture [filter] -p format [-j]` without sysdig. The Rust engine reads,
// filters and renders; lines arrive one string per batch of events.
import {native} from '../native.js'
import {unwrap} from '../plugin/inspect.js'
import type {IsolationOptions} from '../worker/isolate.js'
import type {OutputChunk} from '../worker/protocol.js'
import type {PluginRun} from './record.js'

export interface PrintOptions {
  capture: string
  /** Plugins whose fields the filter and format may use (and whose event_to_string prints). */
  plugins?: PluginRun[]
  /** A filter condition (the libsinsp grammar); empty or absent: every event. */
  filter?: string
  /** An output format (`%evt.num %dummy.value`); absent: sysdig 0.29.3's default. */
  format?: string
  /** One JSON object per event, as `sysdig -j`. */
  json?: boolean
  /** Time zone of evt.time and evt.datetime: `UTC` (default), `local`, or an IANA name. */
  timezone?: string
  /** Stop after this many events passed the filter (sysdig `-n`). */
  maxEvents?: number
  /** Events read per batch (default 16,384). */
  batchEvents?: number
  /** Write the lines straight to this file descriptor (1: stdout) from the native side, where
   * the plugins run, instead of passing them to `onOutput`: no copy crosses into JavaScript or
   * between processes. A reader that goes away (EPIPE) ends the run: `outputClosed`. */
  outputFd?: number
}

export interface PrintProgress {
  /** Events read. */
  events: number
  /** Events that passed the filter. */
  matched: number
  /** Lines printed (a format without a leading `*` skips events with a field without value). */
  printed: number
  position: number
  fileSize: number
  elapsedMs: number
  done: boolean
  /** `outputFd`'s reader went away (`| head`): the run stopped there. */
  outputClosed: boolean
}

export type PrintSummary = PrintProgress

export interface OutputControl<P> extends IsolationOptions {
  onProgress?: (p: P) => void
  /** Receives the output, one chunk per batch; a returned promise holds the next batch back. */
  onOutput?: (chunk: OutputChunk) => void | Promise<void>
  /** Stops at the next batch boundary. */
  signal?: AbortSignal
  /** false: run the plugins in this process (a crashing plugin takes it down). */
  isolate?: boolean
}

export function pluginSpecs(plugins: PluginRun[] | undefined): Array<{path: string; initConfig: string; openParams: string}> {
  return (plugins ?? []).map((p) => ({path: p.path, initConfig: p.initConfig ?? '', openParams: p.openParams ?? ''}))
}

/** Steps a native print/rules runner to the end, passing output chunks on. */
export async function drive<P extends {done: boolean}, S>(
  runner: {step(): Promise<{outcome: string; text: string; records: string}>; finish(): Promise<{outcome: string}>},
  control: OutputControl<P>,
): Promise<S> {
  let failure: unknown
  try {
    for (;;) {
      const chunk = await runner.step()
      // a failed step's output (the lines before the failure) is delivered before its error
      if (chunk.text || chunk.records) await control.onOutput?.({text: chunk.text, records: chunk.records})
      const progress = unwrap<P>(chunk.outcome)
      control.onProgress?.(progress)
      if (progress.done || control.signal?.aborted) break
    }
  } catch (err) {
    failure = err
  }
  const end = await runner.finish()
  if (failure) throw failure
  return unwrap<S>(end.outcome)
}

/** Prints in this process (see `print()` for the isolated version). */
export function printInProcess(options: PrintOptions, control: OutputControl<PrintProgress> = {}): Promise<PrintSummary> {
  const printer = new native.Printer(
    JSON.stringify({
      capture: options.capture,
      plugins: pluginSpecs(options.plugins),
      filter: options.filter ?? null,
      format: options.format ?? null,
      json: options.json ?? false,
      timezone: options.timezone ?? 'UTC',
      maxEvents: options.maxEvents ?? null,
      batchEvents: options.batchEvents ?? 16384,
      outputFd: options.outputFd ?? null,
    }),
  )
  return drive<PrintProgress, PrintSummary>(printer, control)
}

/**
 * Prints the events of a capture that pass `filter`, with `format` (text or JSON lines), like
 * `sysdig -r`. Plugins run in a child process; output reaches `onOutput` one chunk per batch.
 */
export async function print(options: PrintOptions, control: OutputControl<PrintProgress> = {}): Promise<PrintSummary> {
  // Without plugins no plugin code runs: no child process to start (or to watch), nor the
  // modules that start one.
  if (control.isolate === false || (options.plugins ?? []).length === 0) return printInProcess(options, control)
  const {runIsolated} = await import('../worker/isolate.js')
  const run = runIsolated<PrintSummary>({kind: 'print', options}, control.onProgress as (p: unknown) => void, control.onOutput, control)
  if (control.signal?.aborted) run.stop()
  control.signal?.addEventListener('abort', () => run.stop(), {once: true})
  return run.result
}

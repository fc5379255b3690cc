// Recording: run source plugins live, write a capture and the golden file of field values.
import {native} from '../native.js'
import type {FalcoPluginConfig} from '../plugin/falco-config.js'
import {unwrap} from '../plugin/inspect.js'
import {completeRecordOptions} from './options.js'

export interface PluginRun {
  /** Path of the plugin's shared library. */
  path: string
  /** Init config as the plugin receives it ('' = the framework default). */
  initConfig?: string
  /** Open params (source plugins). */
  openParams?: string
}

export interface RecordOptions {
  /** Source plugins. */
  sources?: PluginRun[]
  extractors?: PluginRun[]
  /** Plugins whose role follows their capabilities (sourcing: source; else extractor). */
  plugins?: PluginRun[]
  /** A Falco configuration (file name, or `readFalcoConfig`'s result): its plugins join `plugins`. */
  config?: string | FalcoPluginConfig
  /** Fields with arguments to record, e.g. `dummy.divisible[3]`. */
  fields?: string[]
  /** Fields left out of the golden file: names, `name[arg]`, or globs (`json.obj`, `ka.req.*`). */
  excludeFields?: string[]
  output: string
  compression?: 'none' | 'gzip' | 'zstd'
  /** Golden file path (plain text: a .gz/.zst name is refused); default `<output>.golden`; '' for none. */
  golden?: string
  /**
   * Replace an existing file of another kind at the capture or golden path (a capture is never
   * written over a golden file, nor a golden file over a capture, without it).
   */
  force?: boolean
  maxEvents?: number
  durationMs?: number
  /** Wait after every source answered TIMEOUT (default 10 ms). */
  timeoutWaitMs?: number
}

export interface SourceProgress {
  plugin: string
  events: number
  done: boolean
  percent: number | null
  text: string | null
}

export interface RecordProgress {
  events: number
  elapsedMs: number
  timeouts: number
  done: boolean
  reason: 'eof' | 'max-events' | 'duration' | 'stopped' | null
  sources: SourceProgress[]
}

export interface RecordSummary {
  capture: string
  /** The golden file written (null: none asked for, or nothing recorded). */
  golden: string | null
  /** Whether the capture was written: a recording of 0 events leaves no file behind. */
  written: boolean
  /** Things to tell the user: a partial capture of an interrupted recording kept, a stale file removed. */
  notes: string[]
  events: number
  bytes: number
  columns: string[]
  plugins: Array<{name: string; version: string; path: string; role: string; generation: string; columns: string[]; skippedFields: string[]}>
  progress: RecordProgress
}

export interface RecordControl {
  onProgress?: (p: RecordProgress) => void
  /** Resolves (or is already aborted) when the recording should stop early. */
  signal?: AbortSignal
}

/**
 * Records in this process. Plugins run here: a crashing plugin takes the process with it; use
 * `record()` from src/index.ts, which isolates the run in a child process.
 */
export async function recordInProcess(given: RecordOptions, control: RecordControl = {}): Promise<RecordSummary> {
  const options = completeRecordOptions(given)
  const recorder = new native.Recorder(
    JSON.stringify({
      sources: (options.sources ?? []).map(spec),
      extractors: (options.extractors ?? []).map(spec),
      plugins: (options.plugins ?? []).map(spec),
      fields: options.fields ?? [],
      excludeFields: options.excludeFields ?? [],
      output: options.output,
      compression: options.compression,
      golden: options.golden,
      force: options.force ?? false,
      maxEvents: options.maxEvents,
      durationMs: options.durationMs,
      timeoutWaitMs: options.timeoutWaitMs ?? 10,
    }),
  )
  const stop = () => recorder.stop()
  if (control.signal?.aborted) stop()
  control.signal?.addEventListener('abort', stop, {once: true})
  try {
    let failure: unknown
    try {
      for (;;) {
        const progress = unwrap<RecordProgress>(await recorder.step(200))
        control.onProgress?.(progress)
        if (progress.done) break
      }
    } catch (err) {
      failure = err
    }
    // Whatever happened, complete both files with everything recorded so far.
    let summary: RecordSummary | undefined
    try {
      summary = unwrap<RecordSummary>(await recorder.finish())
    } catch (err) {
      failure ??= err
    }
    if (failure) throw Object.assign(failure as Error, summary ? {partial: summary} : {})
    return summary!
  } finally {
    control.signal?.removeEventListener('abort', stop)
  }
}

function spec(p: PluginRun): {path: string; initConfig: string; openParams: string} {
  return {path: p.path, initConfig: p.initConfig ?? '', openParams: p.openParams ?? ''}
}

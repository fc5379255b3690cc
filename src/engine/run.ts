// record() and replay() as the library offers them: the run happens in a child process that
// hosts the plugins (src/worker), so that a crashing plugin is reported, not fatal.
import type {PluginInspection} from '../plugin/inspect.js'
import {runIsolated} from '../worker/isolate.js'
import {recordInProcess, type RecordOptions, type RecordProgress, type RecordSummary} from './record.js'
import {replayInProcess, type ReplayOptions, type ReplayProgress, type ReplayResult} from './replay.js'

export interface RunControl<P> {
  onProgress?: (progress: P) => void
  /** Run the plugins in this process (faster to start; a plugin crash kills the process). */
  isolate?: boolean
}

/** Records live events from source plugins into a capture and its golden file. */
export function record(options: RecordOptions, control: RunControl<RecordProgress> & {signal?: AbortSignal} = {}): Promise<RecordSummary> {
  if (control.isolate === false) return recordInProcess(options, control)
  const run = runIsolated<RecordSummary>({kind: 'record', options}, control.onProgress as (p: unknown) => void)
  if (control.signal?.aborted) run.stop()
  control.signal?.addEventListener('abort', () => run.stop(), {once: true})
  return run.result
}

/** Replays a capture through plugins and compares with its golden file. */
export function replay(options: ReplayOptions, control: RunControl<ReplayProgress> = {}): Promise<ReplayResult> {
  if (control.isolate === false) return replayInProcess(options, control)
  return runIsolated<ReplayResult>({kind: 'replay', options}, control.onProgress as (p: unknown) => void).result
}

/** Loads (and with `initConfig`, initializes) a plugin in a child process. */
export function inspectPluginIsolated(path: string, options: {initConfig?: string} = {}): Promise<PluginInspection> {
  return runIsolated<PluginInspection>({kind: 'inspect', path, initConfig: options.initConfig}).result
}

// record() and replay() as the library offers them: the run happens in a child process that
// hosts the plugins (src/worker), so that a crashing plugin is reported, not fatal.
import {renameSync, rmSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {PluginError} from '../errors.js'
import type {PluginInspection} from '../plugin/inspect.js'
import {runIsolated, type IsolatedRun, type IsolationOptions} from '../worker/isolate.js'
import {completeRecordOptions, completeReplayOptions} from './options.js'
import {recordInProcess, type RecordOptions, type RecordProgress, type RecordSummary} from './record.js'
import {judge, replayInProcess, type ReplayOptions, type ReplayProgress, type ReplayReport, type ReplayResult} from './replay.js'

export interface RunControl<P> extends IsolationOptions {
  onProgress?: (progress: P) => void
  /**
   * Run the plugins in this process (faster to start; a plugin crash kills the process, and a
   * plugin call that never returns is waited for: `pluginTimeoutMs` needs isolation).
   */
  isolate?: boolean
}

/** Records live events from source plugins into a capture and its golden file. */
export function record(given: RecordOptions, control: RunControl<RecordProgress> & {signal?: AbortSignal} = {}): Promise<RecordSummary> {
  let options: RecordOptions
  try {
    options = completeRecordOptions(given) // usage errors before any process starts
  } catch (err) {
    return Promise.reject(err)
  }
  if (control.isolate === false) return recordInProcess(options, control)
  // --duration holds even when a source never returns: the child stops between batches by
  // itself; if it has not a moment after the deadline, stop() ends it. The deadline counts
  // from the recording's start (the child's first progress, after the plugins opened), or,
  // when a plugin never gets that far, 10 s after the duration.
  let deadline: NodeJS.Timeout | undefined
  const durationMs = options.durationMs
  const onProgress = (p: RecordProgress) => {
    if (durationMs !== undefined && !armed) {
      armed = true
      clearTimeout(deadline)
      deadline = setTimeout(() => run.stop('the end of --duration'), Math.max(0, durationMs - p.elapsedMs))
    }
    control.onProgress?.(p)
  }
  let armed = false
  const run = runIsolated<RecordSummary>({kind: 'record', options}, onProgress as (p: unknown) => void, undefined, control)
  if (durationMs !== undefined) deadline = setTimeout(() => run.stop('the end of --duration'), durationMs + 10_000)
  // an abort reason given as text names the request in a hang report ("Ctrl-C")
  const stop = () => run.stop(typeof control.signal?.reason === 'string' ? control.signal.reason : undefined)
  if (control.signal?.aborted) stop()
  control.signal?.addEventListener('abort', stop, {once: true})
  return run.result.catch((err) => Promise.reject(keepInterrupted(err, options))).finally(() => clearTimeout(deadline))
}

/**
 * After the plugin host died (a crash, a call that never returned): the capture it was writing
 * is readable up to its last batch, so it goes into place under its name; the golden file,
 * incomplete, is removed.
 */
function keepInterrupted(err: unknown, options: RecordOptions): unknown {
  const e = err as PluginError
  if (!(err instanceof PluginError) || (e.code !== 'plugin_crashed' && e.code !== 'plugin_timeout') || e.pid === undefined) return err
  const tmp = (file: string) => join(dirname(file), `.${basename(file)}.tmp-${e.pid}`)
  const golden = options.golden === '' ? undefined : (options.golden ?? `${options.output}.golden`)
  if (golden) rmSync(tmp(golden), {force: true})
  try {
    renameSync(tmp(options.output), options.output)
    return Object.assign(err, {captureKept: options.output})
  } catch {
    return err // nothing was written yet
  }
}

/**
 * Replays a capture through plugins and compares with its golden file. The batching probe runs
 * beside the replay in a process of its own: a plugin that crashes when several fields are
 * requested in one call is a finding of the probe, not the end of the replay.
 */
export async function replay(given: ReplayOptions, control: RunControl<ReplayProgress> = {}): Promise<ReplayResult> {
  const options = completeReplayOptions(given) // usage errors before any process starts
  if (control.isolate === false) return replayInProcess(options, control)
  const probing = options.batchingProbe !== false && !options.update
  type ProbeOutcome = {report: ReplayReport | undefined; failure: ReplayReport['batchingFailure']}
  let probe: IsolatedRun<ReplayResult> | undefined
  let probeOutcome: Promise<ProbeOutcome> = Promise.resolve({report: undefined, failure: null})
  // The probe process starts once the replay's plugins are loaded and one of them has what the
  // probe looks at (API 1.0 or later, several fields): otherwise it would have nothing to do.
  const onProgress = (p: ReplayProgress) => {
    if (probing && !probe && p.batchingProbeable) {
      // the probe's crash is reported as its finding: its own crash report line would be noise
      probe = runIsolated<ReplayResult>({kind: 'replay', options: {...options, probeOnly: true, distributions: false}}, undefined, undefined, {...control, echoStderr: false})
      // settled into a value at once: a probe that crashes while the replay runs is never unhandled
      probeOutcome = probe.result.then(
        (report) => ({report, failure: null}),
        (err: unknown) => ({report: undefined, failure: {plugin: (err as {plugin?: string}).plugin ?? null, message: (err as Error).message}}),
      )
    }
    control.onProgress?.(p)
  }
  const main = runIsolated<ReplayResult>({kind: 'replay', options: {...options, batchingProbe: false}}, onProgress as (p: unknown) => void, undefined, control)
  if (!probing) return main.result
  let result: ReplayResult
  try {
    result = await main.result
  } catch (err) {
    probe?.kill()
    await probeOutcome
    throw err
  }
  const {report: probed, failure} = await probeOutcome
  return judge(withProbe(result, probed, failure), {strictBatching: options.strictBatching})
}

/** The replay's report with the probe's findings in it. */
function withProbe(report: ReplayReport, probe: ReplayReport | undefined, failure: ReplayReport['batchingFailure']): ReplayReport {
  const byColumn = new Map((probe?.columns ?? []).map((c) => [c.column, c.batchingDifferences]))
  return {
    ...report,
    columns: report.columns.map((c) => ({...c, batchingDifferences: byColumn.get(c.column) ?? 0})),
    batchingDifferences: probe?.batchingDifferences ?? [],
    positions: withBatchingPositions(report.positions, probe?.positions),
    batchingProbed: probe?.batchingProbed ?? (failure?.plugin ? [failure.plugin] : []),
    batchingFailure: failure,
  }
}

/** Loads (and with `initConfig`, initializes) a plugin in a child process. */
export function inspectPluginIsolated(path: string, options: {initConfig?: string} & IsolationOptions = {}): Promise<PluginInspection> {
  return runIsolated<PluginInspection>({kind: 'inspect', path, initConfig: options.initConfig}, undefined, undefined, options).result
}

/** The replay's positions with the probe's batching differences in them (same capture, so
 * the same bins: the width depends only on the last evt.num). */
function withBatchingPositions(main: ReplayReport['positions'], probe: ReplayReport['positions'] | undefined): ReplayReport['positions'] {
  if (!probe || !main || probe.binWidth !== main.binWidth) return main
  const byColumn = new Map(probe.columns.map((c) => [c.column, c.batching]))
  return {...main, columns: main.columns.map((c) => ({...c, batching: byColumn.get(c.column) ?? c.batching}))}
}

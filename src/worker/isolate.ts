// Runs a plugin job in a child process. If a plugin crashes the child, the parent reads the
// child's crash record and reports the plugin, the operation, the event and the field. The
// same record is the watchdog's: a plugin call that makes no progress for longer than the
// plugin timeout gets the child killed and is reported the same way. The child dies with its
// parent (PR_SET_PDEATHSIG), so a stuck plugin never outlives scaptool.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {FilterError, GoldenError, PluginError, ScapError, UsageError} from '../errors.js'
import {native} from '../native.js'
import {takePluginHost} from './host-process.js'
import type {FromChild, Job, OutputChunk, SerializedError, ToChild} from './protocol.js'

export interface IsolatedRun<T> {
  result: Promise<T>
  /**
   * Asks the child to stop at the next batch boundary (recordings keep what they have). A child
   * that has not finished `stopGraceMs` later (a plugin call that does not return) is killed,
   * and the run fails with a PluginError naming that call. `why` names the request in that
   * message (default "the stop request").
   */
  stop(why?: string): void
  /** Kills the child at once. */
  kill(): void
}

export interface IsolationOptions {
  /** A plugin call without progress for this long is a hang (0: wait forever). Default 60 s. */
  pluginTimeoutMs?: number
  /** How long a stop request may take before the child is killed. Default 1 s. */
  stopGraceMs?: number
  /** Pass the child's stderr through to ours (default true; its tail is kept either way). */
  echoStderr?: boolean
}

export const DEFAULT_PLUGIN_TIMEOUT_MS = 60_000
const DEFAULT_STOP_GRACE_MS = 1000

interface CrashRecord {
  pid: number
  plugin: string
  operation: string
  evtnum: number | null
  field: string | null
  slot: number
  seq: number
  calls: number
}

const STDERR_TAIL = 4096

/** Where a plugin call stands, for messages: ` at evt.num 17, extracting crash.value`. */
function callPlace(r: CrashRecord): string {
  const at = [r.evtnum !== null ? `at evt.num ${r.evtnum}` : '', r.field ? `extracting ${r.field}` : ''].filter(Boolean).join(', ')
  return at ? ` ${at}` : ''
}

function readRecords(crashFile: string): CrashRecord[] {
  try {
    return JSON.parse(native.readCrashRecords(crashFile)) as CrashRecord[]
  } catch {
    return []
  }
}

/**
 * Watches the busy slots of a crash record: `onHang` gets the first call whose counters have not
 * moved for `timeoutMs`.
 */
function watchCalls(crashFile: string, timeoutMs: number, onHang: (r: CrashRecord) => void): () => void {
  const since = new Map<number, {mark: string; at: number}>()
  const timer = setInterval(
    () => {
      const now = Date.now()
      const busy = new Set<number>()
      for (const r of readRecords(crashFile)) {
        busy.add(r.slot)
        const mark = `${r.seq}:${r.calls}`
        const prev = since.get(r.slot)
        if (!prev || prev.mark !== mark) since.set(r.slot, {mark, at: now})
        else if (now - prev.at >= timeoutMs) {
          clearInterval(timer)
          onHang(r)
          return
        }
      }
      for (const slot of since.keys()) if (!busy.has(slot)) since.delete(slot)
    },
    Math.max(20, Math.min(250, timeoutMs / 4)),
  )
  timer.unref()
  return () => clearInterval(timer)
}

/** `onOutput` receives the output chunks of print and rules jobs; the child waits for them to be
 * handled (a returned promise settled) before running far ahead, so a slow stdout holds it back. */
export function runIsolated<T>(
  job: Job,
  onProgress?: (progress: unknown) => void,
  onOutput?: (chunk: OutputChunk) => void | Promise<void>,
  options: IsolationOptions = {},
): IsolatedRun<T> {
  const dir = mkdtempSync(join(tmpdir(), 'scaptool-run-'))
  const crashFile = join(dir, 'crash-record')
  const child = takePluginHost()
  let stderrTail = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    if (options.echoStderr !== false) process.stderr.write(chunk)
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL)
  })
  let settled = false
  let outputs: Promise<void> = Promise.resolve()
  let unwatch = () => {}
  let stopTimer: NodeJS.Timeout | undefined
  // A hang or an unanswered stop: kill the child and fail with the call in progress.
  let abandon: (r: CrashRecord | undefined, why: string) => void = () => {}
  const result = new Promise<T>((resolve, reject) => {
    abandon = (r, why) => {
      if (settled) return
      settled = true
      child.kill('SIGKILL')
      const plugin = r?.plugin ?? 'unknown'
      const place = [r?.evtnum != null ? `evt.num ${r.evtnum}` : '', r?.field ? `field ${r.field}` : ''].filter(Boolean).join(', ')
      const message = r ? `plugin '${r.plugin}' did not return from ${r.operation}${place ? ` (${place})` : ''} ${why}: the plugin host was stopped` : `the plugin host did not stop ${why}: it was killed`
      reject(new PluginError(message, plugin, 'plugin_timeout', {evtnum: r?.evtnum ?? undefined, pid: child.pid}))
    }
    child.on('message', (m: FromChild) => {
      if (m.type === 'progress') onProgress?.(m.progress)
      else if (m.type === 'output') {
        // Acknowledge in order, once handled: the child's flow control.
        outputs = outputs
          .then(() => onOutput?.(m.chunk))
          .catch(() => undefined)
          .then(() => {
            // The child may have finished and disconnected meanwhile: nothing to acknowledge.
            try {
              if (child.connected) child.send({type: 'ack'} satisfies ToChild, () => undefined)
            } catch {
              // channel closed
            }
          })
      } else if (m.type === 'result') {
        settled = true
        void outputs.then(() => resolve(m.result as T))
      } else {
        settled = true
        void outputs.then(() => reject(deserializeError(m.error)))
      }
    })
    child.on('error', (err) => {
      if (!settled) reject(err)
    })
    child.on('exit', (code, signal) => {
      unwatch()
      clearTimeout(stopTimer)
      try {
        if (!settled) reject(crashError(crashFile, code, signal, stderrTail))
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  })
  const timeoutMs = options.pluginTimeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS
  if (timeoutMs > 0) unwatch = watchCalls(crashFile, timeoutMs, (r) => abandon(r, `within ${seconds(timeoutMs)} (--plugin-timeout; 0 waits forever)`))
  child.send({type: 'run', job, crashFile, parentPid: process.pid} satisfies ToChild)
  return {
    result,
    stop: (why = 'the stop request') => {
      if (child.connected) child.send({type: 'stop'} satisfies ToChild)
      if (stopTimer || settled) return
      const grace = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS
      stopTimer = setTimeout(() => abandon(readRecords(crashFile)[0], `within ${seconds(grace)} of ${why}`), grace)
      stopTimer.unref()
    },
    kill: () => child.kill('SIGKILL'),
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}

function crashError(crashFile: string, code: number | null, signal: string | null, stderr: string): Error {
  // No record: the child died outside a plugin call.
  const records = readRecords(crashFile)
  const how = signal ? `signal ${signal}` : `exit code ${code}`
  // The in-process signal reporter's own line repeats the record: leave it out.
  const last = stderr.trim().split('\n').filter((l) => l && !l.startsWith('scaptool: fatal')).slice(-3).join(' | ')
  const r = records[0]
  if (r) {
    return new PluginError(
      `plugin '${r.plugin}' crashed the plugin host (${how}) during ${r.operation}${callPlace(r)}${last ? `; its last output: ${last}` : ''}`,
      r.plugin,
      'plugin_crashed',
      {evtnum: r.evtnum ?? undefined, pid: r.pid},
    )
  }
  return new Error(`the plugin host process died (${how}) outside any plugin call${last ? `: ${last}` : ''}`)
}

function deserializeError(e: SerializedError): Error {
  const f = e.fields as Record<string, never>
  let err: Error
  switch (e.name) {
    case 'PluginError':
      err = new PluginError(e.message, f.plugin, f.code, {pluginMessage: f.pluginMessage, evtnum: f.evtnum})
      break
    case 'ScapError':
      err = Object.assign(Object.create(ScapError.prototype) as ScapError, {message: e.message, name: 'ScapError'})
      break
    case 'GoldenError':
      err = new GoldenError(e.message, f.fileName, f.evtnum)
      break
    case 'UsageError':
      err = new UsageError(e.message)
      break
    case 'FilterError':
      err = new FilterError(e.message, f.location)
      break
    default:
      err = new Error(e.message)
      err.name = e.name
  }
  return Object.assign(err, e.fields)
}

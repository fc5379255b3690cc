// Runs a plugin job in a child process. If a plugin crashes the child, the parent reads the
// child's crash record and reports the plugin, the operation, the event and the field.
import {fork} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {FilterError, GoldenError, PluginError, ScapError, UsageError} from '../errors.js'
import {native} from '../native.js'
import type {FromChild, Job, OutputChunk, SerializedError, ToChild} from './protocol.js'

export interface IsolatedRun<T> {
  result: Promise<T>
  /** Asks the child to stop at the next batch boundary (recordings keep what they have). */
  stop(): void
  /** Kills the child at once. */
  kill(): void
}

interface CrashRecord {
  pid: number
  plugin: string
  operation: string
  evtnum: number | null
  field: string | null
}

const STDERR_TAIL = 4096

/** `onOutput` receives the output chunks of print and rules jobs; the child waits for them to be
 * handled (a returned promise settled) before running far ahead, so a slow stdout holds it back. */
export function runIsolated<T>(job: Job, onProgress?: (progress: unknown) => void, onOutput?: (chunk: OutputChunk) => void | Promise<void>): IsolatedRun<T> {
  const here = fileURLToPath(import.meta.url)
  const fromSource = here.endsWith('.ts')
  const childPath = join(here, '..', fromSource ? 'child.ts' : 'child.js')
  const dir = mkdtempSync(join(tmpdir(), 'scaptool-run-'))
  const crashFile = join(dir, 'crash-record')
  const child = fork(childPath, [], {
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
  let stderrTail = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk)
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL)
  })
  let settled = false
  let outputs: Promise<void> = Promise.resolve()
  const result = new Promise<T>((resolve, reject) => {
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
      try {
        if (!settled) reject(crashError(crashFile, code, signal, stderrTail))
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    })
  })
  child.send({type: 'run', job, crashFile} satisfies ToChild)
  return {
    result,
    stop: () => {
      if (child.connected) child.send({type: 'stop'} satisfies ToChild)
    },
    kill: () => child.kill('SIGKILL'),
  }
}

function crashError(crashFile: string, code: number | null, signal: string | null, stderr: string): Error {
  let records: CrashRecord[] = []
  try {
    records = JSON.parse(native.readCrashRecords(crashFile)) as CrashRecord[]
  } catch {
    // No record: the child died outside a plugin call.
  }
  const how = signal ? `signal ${signal}` : `exit code ${code}`
  // The in-process signal reporter's own line repeats the record: leave it out.
  const last = stderr.trim().split('\n').filter((l) => l && !l.startsWith('scaptool: fatal')).slice(-3).join(' | ')
  const r = records[0]
  if (r) {
    const at = [r.evtnum !== null ? `at evt.num ${r.evtnum}` : '', r.field ? `extracting ${r.field}` : ''].filter(Boolean).join(', ')
    return new PluginError(
      `plugin '${r.plugin}' crashed the plugin host (${how}) during ${r.operation}${at ? ` ${at}` : ''}${last ? `; its last output: ${last}` : ''}`,
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

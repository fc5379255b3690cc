// Messages between scaptool and the child process that hosts plugins (src/worker/child.ts).
import type {RecordOptions, RecordProgress} from '../engine/record.js'
import type {ReplayOptions, ReplayProgress} from '../engine/replay.js'
import type {PrintOptions, PrintProgress} from '../engine/print.js'
import type {RulesJobOptions, RulesProgress} from '../engine/rules.js'
import type {SelectOptions, SelectSummary} from '../capture/select.js'

export type Job =
  | {kind: 'inspect'; path: string; initConfig?: string}
  | {kind: 'record'; options: RecordOptions}
  | {kind: 'replay'; options: ReplayOptions}
  | {kind: 'print'; options: PrintOptions}
  | {kind: 'rules'; options: RulesJobOptions}
  | {kind: 'select'; options: SelectOptions}

/** Lines produced by a print or rules job, one chunk per batch of events. */
export interface OutputChunk {
  text: string
  /** Rules: canonical alert records (JSON lines), when asked for. */
  records: string
}

/** `ack`: the parent has handled one `output` message (flow control). */
export type ToChild = {type: 'run'; job: Job; crashFile: string; parentPid: number} | {type: 'stop'} | {type: 'ack'}

export type FromChild =
  | {type: 'progress'; progress: RecordProgress | ReplayProgress | PrintProgress | RulesProgress | SelectSummary}
  | {type: 'output'; chunk: OutputChunk}
  | {type: 'result'; result: unknown}
  | {type: 'error'; error: SerializedError}

export interface SerializedError {
  name: string
  message: string
  fields: Record<string, unknown>
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const fields: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(err)) if (k !== 'name' && k !== 'message') fields[k] = v
    return {name: err.name, message: err.message, fields}
  }
  return {name: 'Error', message: String(err), fields: {}}
}

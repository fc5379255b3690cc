// Messages between scaptool and the child process that hosts plugins (src/worker/child.ts).
import type {RecordOptions, RecordProgress} from '../engine/record.js'
import type {ReplayOptions, ReplayProgress} from '../engine/replay.js'

export type Job =
  | {kind: 'inspect'; path: string; initConfig?: string}
  | {kind: 'record'; options: RecordOptions}
  | {kind: 'replay'; options: ReplayOptions}

export type ToChild = {type: 'run'; job: Job; crashFile: string} | {type: 'stop'}

export type FromChild =
  | {type: 'progress'; progress: RecordProgress | ReplayProgress}
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

// Files the TypeScript layer writes (reports, expected alerts) follow the rules the Rust core
// applies to captures and golden files (native/scap/src/output_file.rs): never one of the run's
// inputs (compared by device and inode), never a file of another kind replaced unless forced
// (a report never replaces a capture or a golden file), never two writers at once; written to a
// temporary file beside the target, then renamed into place.
import {closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {UsageError} from './errors.js'
import {native} from './native.js'

export type OutputKind = 'capture' | 'golden' | 'report'

export interface OutputRules {
  /** What is written (default `report`). */
  kind?: OutputKind
  /** The run's inputs: the output may be none of them. */
  inputs?: string[]
  /** Replace an existing file of another kind. */
  force?: boolean
}

/** Checks `path` against the rules; returns notes about stale temporary files (cleaned). */
export function checkOutput(path: string, rules: OutputRules = {}): string[] {
  try {
    return native.checkOutput(path, rules.kind ?? 'report', rules.inputs ?? [], rules.force ?? false)
  } catch (err) {
    const message = (err as Error).message
    if (message.startsWith('OUTPUT_REFUSED: ')) throw new UsageError(message.slice('OUTPUT_REFUSED: '.length))
    throw Object.assign(new Error(message.replace(/^IO: /, '')), {code: 'EIO'})
  }
}

/** Writes `data` to `path` atomically, after `checkOutput`. Returns the notes. */
export function writeOutputFile(path: string, data: string | Uint8Array, rules: OutputRules = {}): string[] {
  const notes = checkOutput(path, rules)
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`)
  try {
    const fd = openSync(tmp, 'w')
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    rmSync(tmp, {force: true})
    throw err
  }
  return notes
}

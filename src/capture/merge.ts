// Merging captures by timestamp (mergecap for .scap files). The native engine
// (native/engine/src/merge.rs) copies every block byte for byte: the state of every input
// first (the first machine info, every process/fd/interface/user table), then the events of
// all inputs in timestamp order (ties: the earlier input first; an input's own order is kept).
import {statSync} from 'node:fs'

import {native} from '../native.js'
import {unwrap} from '../plugin/inspect.js'
import type {Compression} from './writer.js'

export interface MergeOptions {
  inputs: string[]
  output: string
  compression?: Compression
  level?: number
  /** Replace an existing file that is not a capture at the output path. */
  force?: boolean
  onProgress?: (p: MergeSummary) => void
}

export interface MergeInput {
  file: string
  compression: Compression
  events: number
  /** State blocks written (machine info, tables). */
  stateBlocks: number
  /** Steps back in time within this input (kept as they are). */
  outOfOrder: number
  /** ns since the epoch, as decimal text. */
  firstTs: string | null
  lastTs: string | null
}

export interface MergeSummary {
  inputs: MergeInput[]
  output: string
  outputCompression: Compression
  events: number
  /** Switches from one input's events to another's. */
  interleavings: number
  /** The output file's size on disk (as convert's `bytesWritten`). */
  bytesWritten: number
  /** Bytes of the capture before compression. */
  uncompressedBytes: number
  /** Blocks left out (a second machine info, a later section's state), one line each. */
  warnings: string[]
  position: number
  fileSize: number
  elapsedMs: number
  done: boolean
  notes: string[]
}

/** Merges `inputs` into `output` by timestamp; resolves to what was written. */
export async function mergeCaptures(options: MergeOptions): Promise<MergeSummary> {
  const merger = new native.Merger(
    JSON.stringify({inputs: options.inputs, output: options.output, compression: options.compression ?? null, level: options.level ?? null, force: options.force ?? false}),
  )
  let failure: unknown
  try {
    for (;;) {
      const step = await merger.step()
      const progress = unwrap<MergeSummary>(step.outcome)
      options.onProgress?.(progress)
      if (progress.done) break
    }
  } catch (err) {
    failure = err
  }
  const end = await merger.finish()
  if (failure) throw failure
  const raw = unwrap<MergeSummary>(end.outcome)
  return {...raw, bytesWritten: statSync(options.output, {throwIfNoEntry: false})?.size ?? 0, uncompressedBytes: raw.bytesWritten}
}

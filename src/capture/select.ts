// Capture editing as sysdig users know it (`sysdig -r in -w out filter`, `-n`): a capture
// rewritten with a selection of its events, every kept block copied byte for byte. The native
// engine (native/engine/src/select.rs) reads, filters and writes; plugins whose fields the
// filter uses run in a child process, as for print.
import {statSync} from 'node:fs'

import {ScapError} from '../errors.js'
import {native} from '../native.js'
import {unwrap} from '../plugin/inspect.js'
import {pluginSpecs} from '../engine/print.js'
import type {PluginRun} from '../engine/record.js'
import {runIsolated, type IsolationOptions} from '../worker/isolate.js'
import type {Compression} from './writer.js'

export interface SelectOptions {
  input: string
  output: string
  /** Default: from the output file name (`.gz`, `.zst`), else none. */
  compression?: Compression
  level?: number
  /** Plugins whose fields the filter uses. */
  plugins?: PluginRun[]
  /** A filter condition (the libsinsp grammar, as print's). */
  filter?: string
  /** Inclusive evt.num range of the input (`--evtnum 10-200`). */
  firstEvtnum?: number
  lastEvtnum?: number
  /** Timestamps in ns since the epoch: `since` inclusive, `until` exclusive. */
  sinceNs?: bigint
  untilNs?: bigint
  /** Stop after this many events were kept (sysdig `-n`). */
  maxEvents?: number
  /** Replace an existing file that is not a capture at the output path. */
  force?: boolean
  batchEvents?: number
}

export interface SelectSummary {
  input: string
  output: string
  /** Numbered events read from the input. */
  events: number
  /** Events the selection kept. */
  kept: number
  /** Leading initial-state events copied as state (libsinsp never filters them). */
  stateEvents: number
  /** Blocks that are not events, copied (section headers, machine info, tables). */
  otherBlocks: number
  /** Events of types libsinsp drops (never delivered to a filter), left out. */
  dropped: number
  /** The input's evt.num of the first and last kept events (null when none was kept). */
  firstKept: number | null
  lastKept: number | null
  /** The output file's size on disk (as convert's `bytesWritten`). */
  bytesWritten: number
  /** Bytes of the capture before compression. */
  uncompressedBytes: number
  inputCompression: Compression
  outputCompression: Compression
  position: number
  fileSize: number
  elapsedMs: number
  done: boolean
  notes: string[]
}

export interface SelectControl extends IsolationOptions {
  onProgress?: (p: SelectSummary) => void
  /** false: run plugins in this process. */
  isolate?: boolean
}

function nativeOptions(o: SelectOptions): string {
  return JSON.stringify({
    input: o.input,
    output: o.output,
    compression: o.compression ?? null,
    level: o.level ?? null,
    plugins: pluginSpecs(o.plugins),
    filter: o.filter ?? null,
    firstEvtnum: o.firstEvtnum ?? null,
    lastEvtnum: o.lastEvtnum ?? null,
    // u64 nanoseconds as JSON numbers: exact up to 2^53 only, so they are written as text
    // digits spliced in below
    sinceNs: o.sinceNs === undefined ? null : '__SINCE__',
    untilNs: o.untilNs === undefined ? null : '__UNTIL__',
    maxEvents: o.maxEvents ?? null,
    force: o.force ?? false,
    batchEvents: o.batchEvents ?? 16384,
  })
    .replace('"__SINCE__"', String(o.sinceNs))
    .replace('"__UNTIL__"', String(o.untilNs))
}

/** Runs the selection in this process. A damaged input: the output keeps every block before
 * the fault, and a ScapError carrying the `partial` summary is thrown. */
export async function selectInProcess(options: SelectOptions, control: SelectControl = {}): Promise<SelectSummary> {
  const selector = new native.Selector(nativeOptions(options))
  let last: Omit<SelectSummary, 'input' | 'output'> | undefined
  let failure: unknown
  try {
    for (;;) {
      const step = await selector.step()
      last = unwrap<Omit<SelectSummary, 'input' | 'output'>>(step.outcome)
      control.onProgress?.({input: options.input, output: options.output, ...last, uncompressedBytes: last.bytesWritten})
      if (last.done) break
    }
  } catch (err) {
    failure = err
  }
  const end = await selector.finish()
  const raw = unwrap<Omit<SelectSummary, 'input' | 'output' | 'uncompressedBytes'>>(end.outcome)
  const summary: SelectSummary = {input: options.input, output: options.output, ...raw, bytesWritten: statSync(options.output, {throwIfNoEntry: false})?.size ?? 0, uncompressedBytes: raw.bytesWritten}
  if (failure) {
    if (failure instanceof ScapError && failure.fileName === options.input) throw Object.assign(failure, {partial: summary})
    throw failure
  }
  return summary
}

/**
 * Writes `output` with the events of `input` that the selection keeps: evt.num range, time
 * range, filter, then at most `maxEvents`. Blocks that are not events (and leading
 * initial-state events) are copied whatever the selection. Plugins run in a child process.
 */
export function selectEvents(options: SelectOptions, control: SelectControl = {}): Promise<SelectSummary> {
  if (control.isolate === false || (options.plugins ?? []).length === 0) return selectInProcess(options, control)
  return runIsolated<SelectSummary>({kind: 'select', options}, control.onProgress as (p: unknown) => void, undefined, control).result
}

// Diffs of field values: two golden files cell by cell, or two captures replayed through the
// same plugins (each replay writes a golden file, then those are diffed). The native engine
// (native/engine/src/golden_diff.rs) streams both files: memory stays flat.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {native} from '../native.js'
import {unwrap} from '../plugin/inspect.js'
import type {PluginRun} from './record.js'
import type {GoldenPluginHeader, Positions} from './replay.js'
import {replay, type RunControl} from './run.js'

export interface DiffReport {
  /** The reference ("expected") and the compared ("actual") golden files. */
  a: string
  b: string
  /** With `diffCaptures`: the captures the golden files were replayed from. */
  captures?: {a: string; b: string}
  pluginsA: GoldenPluginHeader[]
  pluginsB: GoldenPluginHeader[]
  rowsA: number
  rowsB: number
  comparedRows: number
  columns: Array<{column: string; compared: number; differences: number}>
  /** Columns only one side has (not compared). */
  onlyA: string[]
  onlyB: string[]
  /** Row pairs whose events differ (evt.num, ts or plugin id), and the first ones. */
  eventDifferences: number
  eventDetails: Array<{row: number; a: string; b: string}>
  /** The first cell differences, in row order. */
  differences: Array<{evtnum: number; column: string; a: string; b: string}>
  /** Rows and differences along evt.num (`columns[i].mismatches` are the differences). */
  positions: Positions
  identical: boolean
  progress: {rows: number; elapsedMs: number; done: boolean}
}

export interface DiffOptions {
  /** Differences shown in detail (default 20). */
  maxDetails?: number
  onProgress?: (p: {rows: number; elapsedMs: number; done: boolean}) => void
}

/** Compares two golden files cell by cell (rows paired by position, columns by label). */
export async function diffGolden(a: string, b: string, options: DiffOptions = {}): Promise<DiffReport> {
  const diff = new native.GoldenDiff(JSON.stringify({a, b, maxDetails: options.maxDetails ?? 20}))
  let failure: unknown
  try {
    for (;;) {
      const p = unwrap<DiffReport['progress']>((await diff.step()).outcome)
      options.onProgress?.(p)
      if (p.done) break
    }
  } catch (err) {
    failure = err
  }
  const end = await diff.finish()
  if (failure) throw failure
  return unwrap<DiffReport>(end.outcome)
}

export interface CaptureDiffOptions extends DiffOptions {
  plugins: PluginRun[]
  /** Fields with arguments to extract too (`dummy.divisible[3]`). */
  fields?: string[]
}

/**
 * Replays both captures through the same plugins (fresh states, capture order, plugins in a
 * child process) and diffs the values, as two golden files. Rows pair the n-th events.
 */
export async function diffCaptures(a: string, b: string, options: CaptureDiffOptions, control: RunControl<unknown> = {}): Promise<DiffReport> {
  const dir = mkdtempSync(join(tmpdir(), 'scaptool-diff-'))
  try {
    const golden = async (capture: string, name: string) => {
      const file = join(dir, name)
      await replay(
        {capture, plugins: options.plugins, fields: options.fields, update: true, golden: file, reverse: false, shuffleSeed: null, batchingProbe: false},
        {...control, onProgress: undefined},
      )
      return file
    }
    const ga = await golden(a, 'a.golden')
    const gb = await golden(b, 'b.golden')
    const report = await diffGolden(ga, gb, options)
    return {...report, a, b, captures: {a, b}}
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

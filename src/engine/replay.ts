// Replay: read a capture back through plugins and prove the values of the live run.
import {native} from '../native.js'
import type {FalcoPluginConfig} from '../plugin/falco-config.js'
import {unwrap} from '../plugin/inspect.js'
import {completeReplayOptions} from './options.js'
import type {PluginRun} from './record.js'
import {upgradeVerdicts, type UpgradeVerdict} from './verdict.js'

export interface ReplayOptions {
  capture: string
  /** The plugins to replay with (with `config`'s, at least one). */
  plugins?: PluginRun[]
  /** A Falco configuration (file name, or `readFalcoConfig`'s result): its plugins join `plugins`. */
  config?: string | FalcoPluginConfig
  /** Golden file (plain text: a .gz/.zst name is refused); default `<capture>.golden` when it exists. */
  golden?: string
  /** Fields with arguments to extract when there is no golden file. */
  fields?: string[]
  /** Fields left out when there is no golden file (as for record). */
  excludeFields?: string[]
  /** Write the golden file from this replay instead of comparing (snapshot update). */
  update?: boolean
  /** With `update`: replace an existing file that is not a golden file at the golden path. */
  force?: boolean
  /** Mismatches and order differences reported in detail (default 20). */
  maxDetails?: number
  /** Extract again in reverse order with a fresh state (default true). */
  reverse?: boolean
  /** Extract again shuffled with this seed and a fresh state (null: no shuffle). */
  shuffleSeed?: number | null
  /**
   * The batching probe (default true): extract again with all of an event's fields in one
   * `extract_fields` call (fresh state) and report plugins whose values then change.
   */
  batchingProbe?: boolean
  /** Batching differences fail the replay (default: they are a warning). */
  strictBatching?: boolean
  /** Internal: run only the batching probe (its own process; see `replay()` in run.ts). */
  probeOnly?: boolean
  /** Also count each field's most frequent values (`distributions` of the report; HTML reports). */
  distributions?: boolean
  /** Events per window of the order checks (default 65,536). */
  window?: number
  /** Extraction threads when plugins allow concurrent states (0 = one per core). */
  threads?: number
}

export interface ColumnReport {
  column: string
  plugin: string | null
  compared: number
  mismatches: number
  reverseDifferences: number
  shuffleDifferences: number
  /** Events whose value changes when all the plugin's fields are requested in one call. */
  batchingDifferences: number
  values: number
  absent: number
  errors: number
  notApplicable: number
}

export interface Mismatch {
  evtnum: number
  column: string
  expected: string
  actual: string
}

export interface OrderDifference {
  evtnum: number
  column: string
  order: 'reverse' | 'shuffle'
  forward: string
  other: string
}

export interface BatchingDifference {
  evtnum: number
  column: string
  /** With one field per call (libsinsp's convention). */
  oneField: string
  /** With all the event's fields in one call. */
  allFields: string
}

/** A plugin whose values change when several fields are requested in one call. */
export interface BatchingFinding {
  plugin: string
  columns: string[]
  differences: number
  /** The plugin crashed or failed with all fields in one call (the probe's error). */
  failure?: string
}

/** The batching probe's finding, in words (text, JUnit and Markdown reports use it). */
export const BATCHING_EXPLANATION = 'values change when several fields are requested in one call: allowed by the API, not done by libsinsp today'

export interface GoldenPluginHeader {
  name: string
  version: string
  requiredApiVersion: string
  generation: string
  role: string
  id: number | null
  eventSource: string | null
  library: string
  configSha256: string
  columns: Array<{column: string; name: string; arg: string | null; type: string; isList: boolean}>
  fields: Array<{name: string; type: string; isList: boolean; arg: string}>
}

/**
 * Where events and differences are along evt.num: every one counted, in at most 128 bins whose
 * width (a power of two) grows with the capture. Bin `i` covers evt.num `1 + i·binWidth` to
 * `(i + 1)·binWidth`.
 */
export interface Positions {
  binWidth: number
  bins: number
  /** Events read per bin. */
  events: number[]
  /** Per column: mismatches with the golden file, reverse and shuffled order differences,
   * batching differences (diff: `mismatches` are the cell differences). */
  columns: Array<{column: string; mismatches: number[]; reverse: number[]; shuffle: number[]; batching: number[]}>
}

/** A field's most frequent values (exact while it has at most 64 distinct values). */
export interface ValueDistribution {
  column: string
  total: number
  exact: boolean
  /** Most frequent first; `maxError`: how much `count` may exceed the true count. */
  values: Array<{value: string; count: number; maxError: number}>
  /** Cells of the other values. */
  others: number
  distinct: number
}

export interface ReplayProgress {
  events: number
  position: number
  fileSize: number
  elapsedMs: number
  done: boolean
  /** Some plugin has what the batching probe looks at (API 1.0 or later, several fields). */
  batchingProbeable: boolean
}

export interface ReplayReport {
  capture: string
  golden: string | null
  updated: string | null
  events: number
  columns: ColumnReport[]
  mismatches: Mismatch[]
  orderDifferences: OrderDifference[]
  batchingDifferences: BatchingDifference[]
  /** Plugins the batching probe ran on (several fields, plugin API 1.0 or later). */
  batchingProbed: string[]
  /** The batching probe's process died or failed (a crash with all fields in one call). */
  batchingFailure?: {plugin: string | null; message: string} | null
  reverse: boolean
  shuffleSeed: number | null
  threads: number
  plugins: Array<{name: string; version: string; path: string; generation: string; requiredApiVersion: string; fields: GoldenPluginHeader['fields']}>
  recordedPlugins: GoldenPluginHeader[] | null
  progress: ReplayProgress
  positions: Positions
  /** With `distributions`: each column's most frequent values. */
  distributions: ValueDistribution[]
  /**
   * Where the time went (ms of wall time): reading the capture, reading the golden file,
   * extracting (every pass, plugin calls and rendering), comparing.
   */
  timings: {readMs: number; goldenMs: number; extractMs: number; compareMs: number}
}

export interface ReplayResult extends ReplayReport {
  /** Semver verdicts for plugins whose version differs from the recorded one. */
  upgrades: UpgradeVerdict[]
  /** Columns whose values depend on the order events were extracted in. */
  historyDependent: string[]
  /** Plugins whose values change when several fields are requested in one call. */
  batching: BatchingFinding[]
  /** Whether batching findings fail the replay (`strictBatching`). */
  strictBatching: boolean
  /** Findings that do not fail the replay, one line each. */
  warnings: string[]
  /** Golden columns no replaying plugin exports. */
  missingColumns: string[]
  /** Whether the replay proves the capture: see `verdict.ts` for the rule. */
  passed: boolean
  /** Why it did not pass, one line each. */
  failures: string[]
}

export interface ReplayControl {
  onProgress?: (p: ReplayProgress) => void
}

/** Replays in this process (see `replay()` in src/index.ts for the isolated version). */
export async function replayInProcess(given: ReplayOptions, control: ReplayControl = {}): Promise<ReplayResult> {
  const options = completeReplayOptions(given)
  const replayer = new native.Replayer(
    JSON.stringify({
      capture: options.capture,
      golden: options.golden,
      plugins: (options.plugins ?? []).map((p) => ({path: p.path, initConfig: p.initConfig ?? '', openParams: p.openParams ?? ''})),
      fields: options.fields ?? [],
      excludeFields: options.excludeFields ?? [],
      update: options.update ?? false,
      force: options.force ?? false,
      maxDetails: options.maxDetails ?? 20,
      reverse: options.reverse ?? true,
      shuffleSeed: options.shuffleSeed ?? null,
      batchingProbe: options.batchingProbe ?? true,
      probeOnly: options.probeOnly ?? false,
      distributions: options.distributions ?? false,
      window: options.window ?? 65536,
      threads: options.threads ?? 0,
    }),
  )
  let failure: unknown
  try {
    for (;;) {
      const progress = unwrap<ReplayProgress>(await replayer.step())
      control.onProgress?.(progress)
      if (progress.done) break
    }
  } catch (err) {
    failure = err
  }
  if (failure) {
    await replayer.finish().catch(() => undefined)
    throw failure
  }
  return judge(unwrap<ReplayReport>(await replayer.finish()), {strictBatching: options.strictBatching ?? false})
}

/** Adds verdicts: history dependence, batching, upgrades, and the pass/fail decision. */
export function judge(report: ReplayReport, options: {strictBatching?: boolean} = {}): ReplayResult {
  const upgrades = upgradeVerdicts(report)
  const upgraded = new Set(upgrades.filter((u) => u.honest).map((u) => u.plugin))
  const historyDependent = report.columns.filter((c) => c.reverseDifferences + c.shuffleDifferences > 0).map((c) => c.column)
  const missingColumns = report.columns.filter((c) => c.plugin === null).map((c) => c.column)
  const recordedOwner = new Map<string, string>()
  for (const p of report.recordedPlugins ?? []) for (const c of p.columns) recordedOwner.set(c.column, p.name)
  const failures: string[] = []
  for (const c of report.columns) {
    const owner = recordedOwner.get(c.column)
    // Changes of an honestly bumped plugin are expected: the verdict reports them.
    if (owner !== undefined && upgraded.has(owner)) continue
    if (c.plugin === null) failures.push(`${c.column}: no replaying plugin exports this field`)
    else if (c.mismatches > 0) failures.push(`${c.column}: ${c.mismatches} of ${c.compared} values differ from the live run`)
  }
  for (const col of historyDependent) {
    const c = report.columns.find((x) => x.column === col)!
    failures.push(`${col}: depends on history (${c.reverseDifferences} differences in reverse order, ${c.shuffleDifferences} shuffled)`)
  }
  const batching: BatchingFinding[] = []
  for (const c of report.columns) {
    if (c.batchingDifferences === 0 || c.plugin === null) continue
    let finding = batching.find((b) => b.plugin === c.plugin)
    if (!finding) batching.push((finding = {plugin: c.plugin, columns: [], differences: 0}))
    finding.columns.push(c.column)
    finding.differences += c.batchingDifferences
  }
  const failure = report.batchingFailure
  if (failure) {
    const plugin = failure.plugin ?? 'a plugin'
    let finding = batching.find((b) => b.plugin === plugin)
    if (!finding) batching.push((finding = {plugin, columns: [], differences: 0}))
    finding.failure = failure.message
  }
  const strictBatching = options.strictBatching ?? false
  const warnings: string[] = []
  for (const b of batching) {
    const line = b.failure
      ? `${b.plugin}: fails when several fields are requested in one call (allowed by the API, not done by libsinsp today): ${b.failure}`
      : `${b.plugin}: ${BATCHING_EXPLANATION} (${b.columns.join(', ')}; ${b.differences} value${b.differences === 1 ? '' : 's'})`
    if (strictBatching) failures.push(line)
    else warnings.push(line)
  }
  for (const u of upgrades.filter((v) => !v.honest)) failures.push(`${u.plugin}: ${u.explanation}`)
  return {...report, upgrades, historyDependent, batching, strictBatching, warnings, missingColumns, passed: failures.length === 0, failures}
}

// Replay: read a capture back through plugins and prove the values of the live run.
import {native} from '../native.js'
import {unwrap} from '../plugin/inspect.js'
import type {PluginRun} from './record.js'
import {upgradeVerdicts, type UpgradeVerdict} from './verdict.js'

export interface ReplayOptions {
  capture: string
  plugins: PluginRun[]
  /** Golden file; default `<capture>.golden` when it exists. */
  golden?: string
  /** Fields with arguments to extract when there is no golden file. */
  fields?: string[]
  /** Write the golden file from this replay instead of comparing (snapshot update). */
  update?: boolean
  /** Mismatches and order differences reported in detail (default 20). */
  maxDetails?: number
  /** Extract again in reverse order with a fresh state (default true). */
  reverse?: boolean
  /** Extract again shuffled with this seed and a fresh state (null: no shuffle). */
  shuffleSeed?: number | null
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

export interface ReplayProgress {
  events: number
  position: number
  fileSize: number
  elapsedMs: number
  done: boolean
}

export interface ReplayReport {
  capture: string
  golden: string | null
  updated: string | null
  events: number
  columns: ColumnReport[]
  mismatches: Mismatch[]
  orderDifferences: OrderDifference[]
  reverse: boolean
  shuffleSeed: number | null
  threads: number
  plugins: Array<{name: string; version: string; path: string; generation: string; requiredApiVersion: string; fields: GoldenPluginHeader['fields']}>
  recordedPlugins: GoldenPluginHeader[] | null
  progress: ReplayProgress
}

export interface ReplayResult extends ReplayReport {
  /** Semver verdicts for plugins whose version differs from the recorded one. */
  upgrades: UpgradeVerdict[]
  /** Columns whose values depend on the order events were extracted in. */
  historyDependent: string[]
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
export async function replayInProcess(options: ReplayOptions, control: ReplayControl = {}): Promise<ReplayResult> {
  const replayer = new native.Replayer(
    JSON.stringify({
      capture: options.capture,
      golden: options.golden,
      plugins: options.plugins.map((p) => ({path: p.path, initConfig: p.initConfig ?? '', openParams: p.openParams ?? ''})),
      fields: options.fields ?? [],
      update: options.update ?? false,
      maxDetails: options.maxDetails ?? 20,
      reverse: options.reverse ?? true,
      shuffleSeed: options.shuffleSeed ?? null,
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
  return judge(unwrap<ReplayReport>(await replayer.finish()))
}

/** Adds verdicts: history dependence, upgrades, and the pass/fail decision. */
export function judge(report: ReplayReport): ReplayResult {
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
  for (const u of upgrades.filter((v) => !v.honest)) failures.push(`${u.plugin}: ${u.explanation}`)
  return {...report, upgrades, historyDependent, missingColumns, passed: failures.length === 0, failures}
}

// Semver verdicts on plugin upgrades, by the guide's rule: "the patch number should always be
// updated, the minor number should be updated when new fields are added, and the major number
// should be updated whenever any field is modified/removed or the semantics of a given field
// changes". A field's type, list-ness or argument kind changing is a modification; a recorded
// value changing is a change of semantics.
import type {ReplayReport} from './replay.js'

export type Bump = 'none' | 'patch' | 'minor' | 'major'

export interface UpgradeVerdict {
  plugin: string
  recordedVersion: string
  replayedVersion: string
  added: string[]
  removed: string[]
  changed: Array<{field: string; from: string; to: string}>
  /** Recorded columns whose values differ in this replay. */
  valuesChanged: string[]
  /** The smallest bump these differences require. */
  required: Bump
  /** The bump from the recorded to the replaying version (`downgrade` if lower). */
  actual: Bump | 'downgrade'
  honest: boolean
  explanation: string
}

const RANK: Record<Bump, number> = {none: 0, patch: 1, minor: 2, major: 3}

function parse(v: string): [number, number, number] | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v.trim())
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

/** The bump from `from` to `to`. */
export function bumpBetween(from: string, to: string): Bump | 'downgrade' {
  const a = parse(from)
  const b = parse(to)
  if (!a || !b) return 'none'
  for (let i = 0; i < 3; i++) {
    if (b[i] > a[i]) return (['major', 'minor', 'patch'] as const)[i]
    if (b[i] < a[i]) return 'downgrade'
  }
  return 'none'
}

function describe(f: {type: string; isList: boolean; arg: string}): string {
  return `${f.type}${f.isList ? '[]' : ''}, arg ${f.arg}`
}

/** Verdicts for every recorded plugin replayed by a plugin of the same name and another version. */
export function upgradeVerdicts(report: ReplayReport): UpgradeVerdict[] {
  const out: UpgradeVerdict[] = []
  for (const rec of report.recordedPlugins ?? []) {
    const now = report.plugins.find((p) => p.name === rec.name)
    if (!now || now.version === rec.version) continue
    const before = new Map(rec.fields.map((f) => [f.name, f]))
    const after = new Map(now.fields.map((f) => [f.name, f]))
    const added = [...after.keys()].filter((n) => !before.has(n))
    const removed = [...before.keys()].filter((n) => !after.has(n))
    const changed = [...before.entries()]
      .filter(([n, f]) => after.has(n) && describe(f) !== describe(after.get(n)!))
      .map(([n, f]) => ({field: n, from: describe(f), to: describe(after.get(n)!)}))
    const changedNames = new Set(changed.map((c) => c.field))
    const columns = new Set(rec.columns.map((c) => c.column))
    const valuesChanged = report.columns
      .filter((c) => columns.has(c.column) && c.mismatches > 0)
      .filter((c) => !changedNames.has(rec.columns.find((x) => x.column === c.column)!.name))
      .map((c) => c.column)
    const required: Bump = removed.length + changed.length + valuesChanged.length > 0 ? 'major' : added.length > 0 ? 'minor' : 'patch'
    const actual = bumpBetween(rec.version, now.version)
    const honest = actual !== 'downgrade' && RANK[actual] >= RANK[required]
    const reasons = [
      ...removed.map((f) => `removed ${f}`),
      ...changed.map((c) => `changed ${c.field} (${c.from} → ${c.to})`),
      ...valuesChanged.map((c) => `changed the values of ${c}`),
      ...added.map((f) => `added ${f}`),
    ]
    const what = reasons.length > 0 ? reasons.join(', ') : 'no field changes'
    const explanation = honest
      ? `${rec.version} → ${now.version} is a ${actual} bump; ${what}: needs at least ${required}`
      : `${rec.version} → ${now.version} is ${actual === 'downgrade' ? 'a downgrade' : `only a ${actual} bump`}, but it ${what}: that needs a ${required} bump`
    out.push({plugin: rec.name, recordedVersion: rec.version, replayedVersion: now.version, added, removed, changed, valuesChanged, required, actual, honest, explanation})
  }
  return out
}

// Semver verdicts on plugin upgrades, by the guide's rule: "the patch number should always be
// updated, the minor number should be updated when new fields are added, and the major number
// should be updated whenever any field is modified/removed or the semantics of a given field
// changes". A field's type, list-ness or argument kind changing is a modification; a recorded
// value changing is a change of semantics.
import type {ReplayReport} from './replay.js'

export type Bump = 'none' | 'patch' | 'minor' | 'major'

export interface FieldChange {
  field: string
  from: string
  to: string
}

export interface UpgradeVerdict {
  plugin: string
  recordedVersion: string
  replayedVersion: string
  /** The recorded and replaying builds' plugin-API generations (e.g. `0.3` → `3.x`). */
  recordedGeneration: string
  replayedGeneration: string
  added: string[]
  removed: string[]
  /** Fields whose type, list-ness or argument kind changed. */
  changed: FieldChange[]
  /**
   * Fields whose argument moved from the text argument of plugin APIs before 1.0 to a typed
   * index or key argument: the API generation changed, not the field (no bump required).
   */
  generationChanges: FieldChange[]
  /** Recorded columns whose values differ in this replay (also for changed fields). */
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

type FieldDesc = {type: string; isList: boolean; arg: string}

function describe(f: FieldDesc): string {
  return `${f.type}${f.isList ? '[]' : ''}, arg ${f.arg}`
}

/**
 * Whether two argument kinds differ only by the API generation. Before plugin API 1.0 every
 * field took a text argument (`legacy-optional`, or `legacy-required`); later generations type
 * it (`none`, `optional-index`, `required-key`, ...). A legacy argument and a typed one of the
 * same requiredness (no argument counting as optional) are the same field in either direction.
 */
function generationOnly(a: string, b: string): boolean {
  const legacy = (x: string) => /^legacy-(required|optional)$/.exec(x)?.[1]
  const typed = (x: string) => (x === 'none' ? 'optional' : /^(required|optional)-(index|key|index-or-key)$/.exec(x)?.[1])
  return (legacy(a) !== undefined && legacy(a) === typed(b)) || (legacy(b) !== undefined && legacy(b) === typed(a))
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
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
    const changed: FieldChange[] = []
    const generationChanges: FieldChange[] = []
    for (const [name, f] of before) {
      const g = after.get(name)
      if (!g || describe(f) === describe(g)) continue
      const change = {field: name, from: describe(f), to: describe(g)}
      if (f.type === g.type && f.isList === g.isList && generationOnly(f.arg, g.arg)) generationChanges.push(change)
      else changed.push(change)
    }
    const columns = new Set(rec.columns.map((c) => c.column))
    const valuesChanged = report.columns.filter((c) => columns.has(c.column) && c.mismatches > 0).map((c) => c.column)
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
    const generationNote =
      generationChanges.length > 0
        ? ` (plugin API ${rec.generation} → ${now.generation}: ${plural(generationChanges.length, 'argument')} change form with the API generation (text ↔ typed), which needs no bump: ${generationChanges.map((c) => `${c.field} ${c.from.replace(/^.*arg /, '')} → ${c.to.replace(/^.*arg /, '')}`).join(', ')})`
        : ''
    const move = `${rec.version} → ${now.version}`
    let explanation: string
    if (actual === 'downgrade') {
      explanation = `${move} is a downgrade (${what}): the replaying version must not be lower than the recorded one`
    } else if (honest) {
      explanation = `${move} is a ${actual} bump; ${what}: needs at least ${required}`
    } else {
      explanation = `${move} is only a ${actual} bump, but it ${what}: that needs a ${required} bump`
    }
    out.push({
      plugin: rec.name,
      recordedVersion: rec.version,
      replayedVersion: now.version,
      recordedGeneration: rec.generation,
      replayedGeneration: now.generation,
      added,
      removed,
      changed,
      generationChanges,
      valuesChanged,
      required,
      actual,
      honest,
      explanation: explanation + generationNote,
    })
  }
  return out
}

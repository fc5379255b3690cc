// JUnit XML for CI dashboards (Jenkins, GitLab, GitHub test reporters), valid against the
// Surefire/Jenkins schema (`testsuites` > `testsuite` with name, tests, failures, errors, time
// in seconds with at most 3 decimals; `testcase` with name, classname, time). Replay: one test
// case per replayed column, per plugin the batching probe ran on, per upgrade verdict. Rules:
// one per rule loaded (with its alert count), per rule skipped, and the expected-alerts
// differences as failures of their rules. Diff: one per compared column. A run that ends with
// exit 3, 4 or 5 still writes a report: one case with an <error>.
import {hostname} from 'node:os'

import type {DiffReport} from '../../src/engine/diff.js'
import {BATCHING_EXPLANATION, type ReplayResult} from '../../src/engine/replay.js'
import type {AlertDifference} from '../../src/rules/expected.js'
import type {RulesReplayResult} from './rules-mode.js'

/** Text as XML character data or attribute value: markup escaped, characters XML 1.0 forbids
 * dropped, line breaks in attributes kept as character references (parsers fold them). */
function esc(s: string, attribute = true): string {
  const text = s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
  return attribute ? text.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;') : text
}

/** Seconds with 3 decimals (the schema's SUREFIRE_TIME). */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3)
}

/** The first line of a message, for the `message` attribute (the whole text is the body). */
function headline(s: string): string {
  const line = s.split('\n')[0]
  return line.length > 500 ? `${line.slice(0, 497)}...` : line
}

interface Case {
  classname: string
  name: string
  ms: number
  failure?: string
  /** An error (the case could not run): `type` is the error's class. */
  error?: {type: string; message: string}
  skipped?: string
  out?: string
}

function renderCase(c: Case): string {
  const open = `    <testcase classname="${esc(c.classname)}" name="${esc(c.name)}" time="${seconds(c.ms)}"`
  const body: string[] = []
  if (c.failure !== undefined) body.push(`<failure message="${esc(headline(c.failure))}" type="failure">${esc(c.failure, false)}</failure>`)
  if (c.error) body.push(`<error message="${esc(headline(c.error.message))}" type="${esc(c.error.type)}">${esc(c.error.message, false)}</error>`)
  if (c.skipped !== undefined) body.push(`<skipped message="${esc(c.skipped)}"/>`)
  if (c.out) body.push(`<system-out>${esc(c.out, false)}</system-out>`)
  return body.length === 0 ? `${open}/>` : `${open}>${body.join('')}</testcase>`
}

/** One suite in a `testsuites` document. */
function document(title: string, suite: string, cases: Case[], elapsedMs: number): string {
  const failures = cases.filter((c) => c.failure !== undefined).length
  const errors = cases.filter((c) => c.error).length
  const skipped = cases.filter((c) => c.skipped !== undefined).length
  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}"`
  const started = new Date(Date.now() - elapsedMs).toISOString().slice(0, 19)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(title)}" ${counts} time="${seconds(elapsedMs)}">`,
    `  <testsuite name="${esc(suite)}" ${counts} skipped="${skipped}" time="${seconds(elapsedMs)}" timestamp="${started}" hostname="${esc(hostname())}">`,
    ...cases.map(renderCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

export function replayJunit(r: ReplayResult): string {
  const cases: Case[] = []
  // One pass extracts every column: each column's case gets an equal share of the run's time.
  const share = r.progress.elapsedMs / Math.max(1, r.columns.length)
  for (const c of r.columns) {
    const problems: string[] = []
    if (c.plugin === null) problems.push('no replaying plugin exports this field')
    if (c.mismatches > 0) {
      const examples = r.mismatches.filter((m) => m.column === c.column).slice(0, 5)
      problems.push(`${c.mismatches} of ${c.compared} values differ: ${examples.map((m) => `evt.num ${m.evtnum}: expected ${m.expected}, got ${m.actual}`).join('; ')}`)
    }
    if (c.reverseDifferences + c.shuffleDifferences > 0) problems.push(`depends on history: ${c.reverseDifferences} differences in reverse order, ${c.shuffleDifferences} shuffled`)
    const expectedChange = r.upgrades.some((u) => u.honest && u.valuesChanged.includes(c.column))
    const failed = problems.length > 0 && !(expectedChange && c.reverseDifferences + c.shuffleDifferences === 0)
    const out = problems.length > 0 && !failed ? `expected change of an honest version bump: ${problems.join('; ')}` : undefined
    cases.push({classname: `scaptool.replay.${c.plugin ?? 'unknown'}`, name: `${c.column} matches the live run`, ms: share, failure: failed ? problems.join('\n') : undefined, out})
  }
  for (const plugin of new Set([...r.batchingProbed, ...r.batching.map((b) => b.plugin)])) {
    const name = `${plugin} gives the same values with all fields in one extract_fields call`
    const finding = r.batching.find((b) => b.plugin === plugin)
    if (!finding) {
      cases.push({classname: 'scaptool.batching', name, ms: 0})
      continue
    }
    const examples = r.batchingDifferences.filter((d) => finding.columns.includes(d.column)).slice(0, 5)
    const detail = finding.failure
      ? `fails when several fields are requested in one call: ${finding.failure}`
      : `${BATCHING_EXPLANATION}: ${finding.columns.join(', ')} (${finding.differences} values); ${examples.map((d) => `evt.num ${d.evtnum} ${d.column}: ${d.oneField} one field per call, ${d.allFields} all in one call`).join('; ')}`
    // a warning unless --strict-batching: the case passes, the finding is in its output
    if (r.strictBatching) cases.push({classname: 'scaptool.batching', name, ms: 0, failure: `${BATCHING_EXPLANATION}\n${detail}`})
    else cases.push({classname: 'scaptool.batching', name, ms: 0, out: `warning: ${detail}`})
  }
  for (const u of r.upgrades) {
    const name = `${u.plugin} ${u.recordedVersion} → ${u.replayedVersion} version bump is honest`
    cases.push({classname: 'scaptool.semver', name, ms: 0, failure: u.honest ? undefined : u.explanation, out: u.honest ? u.explanation : undefined})
  }
  return document('scaptool replay', r.capture, cases, r.progress.elapsedMs)
}

/**
 * The report of a run that could not complete (exit 3, 4 or 5, or a usage error found once
 * the run started): one case with an <error> naming the error's class and its message.
 */
export function errorJunit(title: string, subject: string, caseName: string, err: unknown, elapsedMs: number): string {
  const e = err as Error & {code?: string}
  const type = err instanceof Error ? `${e.name}${typeof e.code === 'string' ? `:${e.code}` : ''}` : 'Error'
  const message = err instanceof Error ? e.message : String(err)
  return document(title, subject, [{classname: title.replace(/ /g, '.'), name: caseName, ms: elapsedMs, error: {type, message}}], elapsedMs)
}

function describeDifference(d: AlertDifference): string {
  const lines = [`${d.kind} alert at evt.num ${d.evtnum}`]
  if (d.expected) lines.push(`  expected ${d.expected}`)
  if (d.actual) lines.push(`  actual   ${d.actual}`)
  return lines.join('\n')
}

/**
 * Rules mode: a case per rule loaded (passes, with its alert count as output), a skipped case
 * per rule that did not run (no loaded plugin provides its source), and, with expected alerts,
 * the differences as failures of their rules (a rule that is no longer loaded gets a case of
 * its own); differences beyond those listed fail one more case.
 */
export function rulesJunit(r: RulesReplayResult): string {
  const s = r.summary
  const cases: Case[] = []
  const differences = r.expectedAlerts?.differences ?? []
  const byRule = new Map<string, AlertDifference[]>()
  for (const d of differences) byRule.set(d.rule, [...(byRule.get(d.rule) ?? []), d])
  const share = s.progress.elapsedMs / Math.max(1, s.rulesLoaded.length)
  const counts = new Map(s.byRule.map((c) => [c.name, c.count]))
  for (const rule of s.rulesLoaded) {
    const count = counts.get(rule) ?? 0
    const diffs = byRule.get(rule)
    byRule.delete(rule)
    const out = `${count} alert${count === 1 ? '' : 's'} on ${s.events} events`
    const failure = diffs ? `${diffs.length} alert${diffs.length === 1 ? '' : 's'} differ from ${r.expectedAlerts!.file}:\n${diffs.map(describeDifference).join('\n')}` : undefined
    cases.push({classname: 'scaptool.rules', name: `rule '${rule}'${r.expectedAlerts ? ' gives the expected alerts' : ' runs'}`, ms: share, failure, out})
  }
  for (const [rule, diffs] of byRule) {
    cases.push({classname: 'scaptool.rules', name: `rule '${rule}' gives the expected alerts`, ms: 0, failure: `the rule is not loaded; ${diffs.length} expected alert${diffs.length === 1 ? '' : 's'} differ:\n${diffs.map(describeDifference).join('\n')}`})
  }
  for (const skipped of s.rulesSkipped) cases.push({classname: 'scaptool.rules', name: `rule '${skipped.rule}' runs`, ms: 0, skipped: skipped.reason})
  if (r.expectedAlerts && r.expectedAlerts.more > 0) {
    cases.push({classname: 'scaptool.rules', name: `alerts match ${r.expectedAlerts.file}`, ms: 0, failure: `${r.expectedAlerts.more} more differences than those listed (rerun with --json for all)`})
  }
  return document('scaptool rules', s.capture, cases, s.progress.elapsedMs)
}

/** Diff: a case per compared column, one for the events (rows) and one per column only one
 * side has. */
export function diffJunit(d: DiffReport): string {
  const cases: Case[] = []
  const share = d.progress.elapsedMs / Math.max(1, d.columns.length)
  const subject = `${d.a} vs ${d.b}`
  const rows = d.rowsA === d.rowsB && d.eventDifferences === 0
  cases.push({
    classname: 'scaptool.diff',
    name: 'both sides have the same events',
    ms: 0,
    failure: rows ? undefined : [`${d.rowsA} rows vs ${d.rowsB}; ${d.eventDifferences} row pairs are different events`, ...d.eventDetails.slice(0, 5).map((e) => `row ${e.row}: ${e.a} vs ${e.b}`)].join('\n'),
  })
  for (const c of d.columns) {
    const examples = d.differences.filter((x) => x.column === c.column).slice(0, 5)
    const failure = c.differences > 0 ? `${c.differences} of ${c.compared} values differ: ${examples.map((x) => `evt.num ${x.evtnum}: ${x.a} vs ${x.b}`).join('; ')}` : undefined
    cases.push({classname: 'scaptool.diff', name: `${c.column} is the same on both sides`, ms: share, failure})
  }
  for (const c of d.onlyA) cases.push({classname: 'scaptool.diff', name: `${c} is the same on both sides`, ms: 0, failure: `only ${d.a} has this column`})
  for (const c of d.onlyB) cases.push({classname: 'scaptool.diff', name: `${c} is the same on both sides`, ms: 0, failure: `only ${d.b} has this column`})
  return document('scaptool diff', subject, cases, d.progress.elapsedMs)
}

// JUnit XML for CI dashboards: one test case per replayed column, per plugin the batching
// probe ran on, and per upgrade verdict.
import {BATCHING_EXPLANATION, type ReplayResult} from '../../src/engine/replay.js'

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
}

export function replayJunit(r: ReplayResult): string {
  const cases: string[] = []
  let failures = 0
  const seconds = (r.progress.elapsedMs / 1000).toFixed(3)
  for (const c of r.columns) {
    const name = `${c.column} matches the live run`
    const problems: string[] = []
    if (c.plugin === null) problems.push('no replaying plugin exports this field')
    if (c.mismatches > 0) {
      const examples = r.mismatches.filter((m) => m.column === c.column).slice(0, 5)
      problems.push(`${c.mismatches} of ${c.compared} values differ: ${examples.map((m) => `evt.num ${m.evtnum}: expected ${m.expected}, got ${m.actual}`).join('; ')}`)
    }
    if (c.reverseDifferences + c.shuffleDifferences > 0) problems.push(`depends on history: ${c.reverseDifferences} differences in reverse order, ${c.shuffleDifferences} shuffled`)
    const expectedChange = r.upgrades.some((u) => u.honest && u.valuesChanged.includes(c.column))
    const classname = esc(`scaptool.replay.${c.plugin ?? 'unknown'}`)
    if (problems.length > 0 && !(expectedChange && c.reverseDifferences + c.shuffleDifferences === 0)) {
      failures++
      cases.push(`    <testcase classname="${classname}" name="${esc(name)}"><failure message="${esc(problems[0])}">${esc(problems.join('\n'))}</failure></testcase>`)
    } else {
      cases.push(`    <testcase classname="${classname}" name="${esc(name)}"/>`)
    }
  }
  for (const plugin of new Set([...r.batchingProbed, ...r.batching.map((b) => b.plugin)])) {
    const name = `${plugin} gives the same values with all fields in one extract_fields call`
    const finding = r.batching.find((b) => b.plugin === plugin)
    if (!finding) {
      cases.push(`    <testcase classname="scaptool.batching" name="${esc(name)}"/>`)
      continue
    }
    const examples = r.batchingDifferences.filter((d) => finding.columns.includes(d.column)).slice(0, 5)
    const detail = finding.failure
      ? `fails when several fields are requested in one call: ${finding.failure}`
      : `${BATCHING_EXPLANATION}: ${finding.columns.join(', ')} (${finding.differences} values); ${examples.map((d) => `evt.num ${d.evtnum} ${d.column}: ${d.oneField} one field per call, ${d.allFields} all in one call`).join('; ')}`
    if (r.strictBatching) {
      failures++
      cases.push(`    <testcase classname="scaptool.batching" name="${esc(name)}"><failure message="${esc(BATCHING_EXPLANATION)}">${esc(detail)}</failure></testcase>`)
    } else {
      // a warning: the case passes, the finding is in its output
      cases.push(`    <testcase classname="scaptool.batching" name="${esc(name)}"><system-out>${esc(`warning: ${detail}`)}</system-out></testcase>`)
    }
  }
  for (const u of r.upgrades) {
    const name = `${u.plugin} ${u.recordedVersion} → ${u.replayedVersion} version bump is honest`
    if (u.honest) cases.push(`    <testcase classname="scaptool.semver" name="${esc(name)}"/>`)
    else {
      failures++
      cases.push(`    <testcase classname="scaptool.semver" name="${esc(name)}"><failure message="${esc(u.explanation)}">${esc(u.explanation)}</failure></testcase>`)
    }
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="scaptool replay" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}">`,
    `  <testsuite name="${esc(r.capture)}" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

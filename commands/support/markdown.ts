// Markdown reports for CI step summaries (GitHub's $GITHUB_STEP_SUMMARY, GitLab, PR comments):
// the verdict first, then the per-field table, the first mismatches, history and batching
// findings, the version verdicts. Replay, rules mode, diff, and a run that ended in an error.
import type {DiffReport} from '../../src/engine/diff.js'
import {BATCHING_EXPLANATION, type ReplayResult} from '../../src/engine/replay.js'
import type {RulesReplayResult} from './rules-mode.js'
import {thousands} from './output.js'

/** Details listed per section: a step summary is read, not searched (GitHub caps it at 1 MiB). */
const MAX_ROWS = 20
/** Cell text shown (values can be 8 KB payloads). */
const MAX_CELL = 120

/** Text in a table cell: no line breaks, pipes escaped (also inside code spans, as GFM needs). */
function cell(s: string): string {
  return s.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|')
}

/** A code span that holds any text (a fence longer than its longest backtick run). */
function code(s: string): string {
  const text = s.length > MAX_CELL ? `${s.slice(0, MAX_CELL)}…` : s
  if (text === '') return '` `'
  const runs = text.match(/`+/g) ?? []
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1)
  const pad = text.startsWith('`') || text.endsWith('`') || text.startsWith(' ') ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

function table(header: string[], rows: string[][], align: Array<'l' | 'r'> = []): string {
  const rule = header.map((_, i) => (align[i] === 'r' ? '--:' : '---'))
  return [header, rule, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n')
}

function more(shown: number, total: number, what: string): string {
  return total > shown ? `\n\n_…and ${thousands(total - shown)} more ${what}._` : ''
}

export function replayMarkdown(r: ReplayResult): string {
  const out: string[] = []
  const verdict = r.passed ? '✅ PASS' : '❌ FAIL'
  out.push(`## ${verdict} · scaptool replay of ${code(r.capture)}`)
  const plugins = r.plugins.map((p) => `${p.name} ${p.version} (API ${p.generation})`).join(', ')
  const recorded = (r.recordedPlugins ?? []).map((p) => `${p.name} ${p.version}`).join(', ')
  const orders = ['forward', r.reverse ? 'reverse' : '', r.shuffleSeed !== null ? `shuffled (seed ${r.shuffleSeed})` : ''].filter(Boolean).join(', ')
  out.push(
    [
      `${thousands(r.events)} events replayed with ${plugins} in ${(r.progress.elapsedMs / 1000).toFixed(2)} s.`,
      r.golden ? `Golden file ${code(r.golden)}, recorded with ${recorded}.` : r.updated ? `Golden file written: ${code(r.updated)}.` : 'No golden file: nothing compared (the order checks ran).',
      `Orders: ${orders}.`,
    ].join(' '),
  )
  if (!r.passed) out.push(r.failures.map((f) => `- ${f}`).join('\n'))
  const rows = r.columns.map((c) => {
    const history = c.reverseDifferences + c.shuffleDifferences > 0 ? `reverse ${thousands(c.reverseDifferences)}, shuffle ${thousands(c.shuffleDifferences)}` : '–'
    const probed = c.plugin !== null && r.batchingProbed.includes(c.plugin)
    const ok = c.plugin !== null && c.mismatches === 0 && c.reverseDifferences + c.shuffleDifferences === 0
    return [
      `${ok ? '✅' : '❌'} ${code(c.column)}`,
      c.plugin ?? '(none)',
      r.golden ? thousands(c.compared) : '–',
      r.golden ? thousands(c.mismatches) : '–',
      history,
      probed ? thousands(c.batchingDifferences) : '–',
      `${thousands(c.values)} / ${thousands(c.absent)} / ${thousands(c.errors)} / ${thousands(c.notApplicable)}`,
    ]
  })
  out.push('### Fields')
  out.push(table(['field', 'plugin', 'compared', 'mismatches', 'history', 'batching', 'values / absent / errors / n.a.'], rows, ['l', 'l', 'r', 'r', 'l', 'r', 'l']))
  if (r.mismatches.length > 0) {
    const total = r.columns.reduce((n, c) => n + c.mismatches, 0)
    const shown = r.mismatches.slice(0, MAX_ROWS)
    out.push(`### Mismatches (first ${shown.length} of ${thousands(total)})`)
    out.push(table(['evt.num', 'field', 'expected (live run)', 'actual (replay)'], shown.map((m) => [String(m.evtnum), code(m.column), code(m.expected), code(m.actual)]), ['r']) + more(shown.length, total, 'mismatches'))
  }
  if (r.historyDependent.length > 0) {
    out.push('### History-dependent fields')
    out.push(`Values of ${r.historyDependent.map(code).join(', ')} depend on the events the plugin extracted before (the guide's \`max_sample\` anti-pattern).`)
    const shown = r.orderDifferences.slice(0, MAX_ROWS)
    out.push(table(['evt.num', 'field', 'capture order', 'other order', 'order'], shown.map((d) => [String(d.evtnum), code(d.column), code(d.forward), code(d.other), d.order]), ['r']))
  }
  if (r.batching.length > 0) {
    out.push(`### Batching probe: ${r.strictBatching ? '❌ failure' : '⚠️ warning'}`)
    out.push(`${BATCHING_EXPLANATION}.`)
    out.push(r.batching.map((b) => (b.failure ? `- **${b.plugin}** fails with all fields in one call: ${b.failure}` : `- **${b.plugin}**: ${b.columns.map(code).join(', ')} (${thousands(b.differences)} values)`)).join('\n'))
    const shown = r.batchingDifferences.slice(0, MAX_ROWS)
    if (shown.length > 0) out.push(table(['evt.num', 'field', 'one field per call', 'all fields in one call'], shown.map((d) => [String(d.evtnum), code(d.column), code(d.oneField), code(d.allFields)]), ['r']))
  } else if (r.batchingProbed.length > 0) {
    out.push(`Batching probe: no change with all fields in one call (${r.batchingProbed.join(', ')}).`)
  }
  if (r.upgrades.length > 0) {
    out.push('### Version verdicts')
    out.push(
      table(
        ['plugin', 'recorded', 'replayed', 'required bump', 'actual bump', 'verdict', 'why'],
        r.upgrades.map((u) => [u.plugin, u.recordedVersion, u.replayedVersion, u.required, u.actual, u.honest ? '✅ honest' : '❌ dishonest', u.explanation]),
      ),
    )
  }
  return out.join('\n\n') + '\n'
}

export function rulesMarkdown(r: RulesReplayResult): string {
  const s = r.summary
  const c = r.expectedAlerts
  const verdict = c ? (c.passed ? '✅ PASS' : '❌ FAIL') : '✅ ran'
  const out: string[] = [`## ${verdict} · scaptool rules on ${code(s.capture)}`]
  out.push(`${thousands(s.events)} events replayed; ${s.rulesLoaded.length} rule${s.rulesLoaded.length === 1 ? '' : 's'} loaded (rule_matching: ${s.ruleMatching}); ${thousands(s.alerts)} alert${s.alerts === 1 ? '' : 's'}.`)
  if (s.byPriority.length > 0) out.push(table(['priority', 'alerts'], s.byPriority.map((p) => [p.name, thousands(p.count)]), ['l', 'r']))
  out.push('### Rules')
  out.push(table(['rule', 'alerts'], s.byRule.map((b) => [b.name, thousands(b.count)]), ['l', 'r']))
  if (s.rulesSkipped.length > 0) out.push(`Skipped: ${s.rulesSkipped.map((k) => `${k.rule} (${k.reason})`).join('; ')}.`)
  if (r.updatedAlerts) out.push(`Expected alerts written: ${code(r.updatedAlerts)}.`)
  if (c) {
    out.push('### Expected alerts')
    out.push(`${code(c.file)}: ${thousands(c.matched)} of ${thousands(c.expected)} expected alerts match; ${thousands(c.actual)} produced.`)
    if (c.differences.length > 0) {
      out.push(table(['kind', 'evt.num', 'rule', 'expected', 'actual'], c.differences.map((d) => [d.kind, String(d.evtnum), d.rule, d.expected ? code(d.expected) : '–', d.actual ? code(d.actual) : '–']), ['l', 'r']) + more(c.differences.length, c.differences.length + c.more, 'differences'))
    }
  }
  return out.join('\n\n') + '\n'
}

export function diffMarkdown(d: DiffReport): string {
  const out: string[] = [`## ${d.identical ? '✅ identical' : '❌ different'} · scaptool diff of ${code(d.a)} and ${code(d.b)}`]
  out.push(`${thousands(d.comparedRows)} rows compared (${thousands(d.rowsA)} vs ${thousands(d.rowsB)}); ${thousands(d.eventDifferences)} row pairs are different events.`)
  if (d.onlyA.length + d.onlyB.length > 0) out.push(`Columns only in ${code(d.a)}: ${d.onlyA.map(code).join(', ') || '–'}; only in ${code(d.b)}: ${d.onlyB.map(code).join(', ') || '–'}.`)
  out.push(table(['field', 'compared', 'differences'], d.columns.map((c) => [`${c.differences === 0 ? '✅' : '❌'} ${code(c.column)}`, thousands(c.compared), thousands(c.differences)]), ['l', 'r', 'r']))
  if (d.differences.length > 0) {
    const total = d.columns.reduce((n, c) => n + c.differences, 0)
    out.push(`### Differences (first ${d.differences.length} of ${thousands(total)})`)
    out.push(table(['evt.num', 'field', 'a', 'b'], d.differences.slice(0, MAX_ROWS).map((x) => [String(x.evtnum), code(x.column), code(x.a), code(x.b)]), ['r']))
  }
  if (d.eventDetails.length > 0) {
    out.push('### Different events')
    out.push(table(['row', 'a', 'b'], d.eventDetails.slice(0, MAX_ROWS).map((e) => [String(e.row), e.a, e.b]), ['r']))
  }
  return out.join('\n\n') + '\n'
}

/** A run that could not complete: what failed, and its message. */
export function errorMarkdown(what: string, subject: string, err: unknown): string {
  const e = err as Error & {code?: string}
  const kind = err instanceof Error ? `${e.name}${typeof e.code === 'string' ? ` (${e.code})` : ''}` : 'Error'
  const message = err instanceof Error ? e.message : String(err)
  const fence = '`'.repeat(Math.max(3, ...(message.match(/`+/g) ?? []).map((r) => r.length + 1)))
  return `## ❌ ERROR · scaptool ${what} of ${code(subject)}\n\n${kind}:\n\n${fence}\n${message}\n${fence}\n`
}

// A self-contained HTML replay report: one file, no network (inline CSS, SVG and a few lines
// of JS), to attach to a CI run or open from disk. It shows the verdict, the per-field table, a
// chart of mismatches and history differences along evt.num (all fields, then each field that
// has any: the replay counts every difference in bins, see native/engine/src/positions.rs),
// each field's value distribution (its most frequent values), and the details: mismatches,
// order and batching differences, version verdicts. The report's JSON is embedded too.
import type {Positions, ReplayResult, ValueDistribution} from '../../src/engine/replay.js'
import {BATCHING_EXPLANATION} from '../../src/engine/replay.js'
import {thousands} from './output.js'

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** Cell text as shown: long values cut, golden markers named. */
function shown(value: string, max = 80): string {
  if (value === '-') return '(absent)'
  if (value === '!') return '(extraction error)'
  if (value === '.') return '(not applicable)'
  return value.length > max ? `${value.slice(0, max)}…` : value
}

const KINDS = [
  {key: 'mismatches', label: 'mismatches (golden file)', color: '#d62728'},
  {key: 'reverse', label: 'reverse-order differences', color: '#ff7f0e'},
  {key: 'shuffle', label: 'shuffled-order differences', color: '#9467bd'},
  {key: 'batching', label: 'batching differences', color: '#1f77b4'},
] as const

type Kind = (typeof KINDS)[number]['key']

/** Series of one chart: per kind, counts per bin. */
type Series = Record<Kind, number[]>

function sumSeries(p: Positions, columns: Positions['columns']): Series {
  const zero = () => new Array<number>(p.bins).fill(0)
  const s: Series = {mismatches: zero(), reverse: zero(), shuffle: zero(), batching: zero()}
  for (const c of columns) for (const k of KINDS) c[k.key].forEach((n, i) => (s[k.key][i] += n))
  return s
}

function binRange(p: Positions, i: number): string {
  const first = 1 + i * p.binWidth
  const last = (i + 1) * p.binWidth
  return first === last ? `evt.num ${first}` : `evt.num ${thousands(first)}–${thousands(last)}`
}

/** Stacked bars of differences per bin over the events read per bin (grey, own scale). */
function chart(p: Positions, s: Series, title: string, height: number): string {
  const W = 960
  const H = height
  const left = 56
  const right = 56
  const top = 24
  const bottom = 34
  const plotW = W - left - right
  const plotH = H - top - bottom
  const bins = Math.max(1, p.bins)
  const bw = plotW / bins
  const totals = Array.from({length: p.bins}, (_, i) => KINDS.reduce((n, k) => n + s[k.key][i], 0))
  const maxDiff = Math.max(1, ...totals)
  const maxEvents = Math.max(1, ...p.events)
  const parts: string[] = []
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">`)
  parts.push(`<text x="${left}" y="15" class="ctitle">${esc(title)}</text>`)
  for (let i = 0; i < p.bins; i++) {
    const h = (p.events[i] / maxEvents) * plotH
    parts.push(`<rect x="${(left + i * bw).toFixed(2)}" y="${(top + plotH - h).toFixed(2)}" width="${Math.max(0.5, bw - 0.5).toFixed(2)}" height="${h.toFixed(2)}" class="ev"><title>${esc(`${binRange(p, i)}: ${thousands(p.events[i])} events`)}</title></rect>`)
  }
  for (let i = 0; i < p.bins; i++) {
    if (totals[i] === 0) continue
    let y = top + plotH
    const tip = [`${binRange(p, i)}:`, ...KINDS.filter((k) => s[k.key][i] > 0).map((k) => `${thousands(s[k.key][i])} ${k.label}`)].join('\n')
    for (const k of KINDS) {
      const n = s[k.key][i]
      if (n === 0) continue
      const h = Math.max(1, (n / maxDiff) * plotH)
      y -= h
      parts.push(`<rect x="${(left + i * bw).toFixed(2)}" y="${y.toFixed(2)}" width="${Math.max(1, bw - 1).toFixed(2)}" height="${h.toFixed(2)}" fill="${k.color}"><title>${esc(tip)}</title></rect>`)
    }
  }
  // axes: differences on the left, events on the right, evt.num below
  parts.push(`<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" class="axis"/>`)
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" class="axis"/>`)
  parts.push(`<text x="${left - 6}" y="${top + 4}" class="lab" text-anchor="end">${thousands(maxDiff)}</text>`)
  parts.push(`<text x="${left - 6}" y="${top + plotH}" class="lab" text-anchor="end">0</text>`)
  parts.push(`<text x="${left + plotW + 6}" y="${top + 4}" class="lab ev-lab">${thousands(maxEvents)} ev</text>`)
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    const x = left + f * plotW
    const evtnum = Math.max(1, Math.round(f * bins * p.binWidth))
    parts.push(`<line x1="${x}" y1="${top + plotH}" x2="${x}" y2="${top + plotH + 4}" class="axis"/>`)
    parts.push(`<text x="${x}" y="${top + plotH + 16}" class="lab" text-anchor="${f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}">${thousands(evtnum)}</text>`)
  }
  parts.push(`<text x="${left + plotW / 2}" y="${H - 4}" class="lab" text-anchor="middle">evt.num (${thousands(p.binWidth)} per bar)</text>`)
  parts.push('</svg>')
  return parts.join('')
}

function legend(): string {
  return `<div class="legend">${KINDS.map((k) => `<span><i style="background:${k.color}"></i>${esc(k.label)}</span>`).join('')}<span><i class="ev-key"></i>events read (right scale)</span></div>`
}

function distribution(d: ValueDistribution): string {
  // Past the tracked values, only values seen at least twice for sure are worth a bar: the
  // others' counts are mostly the error bound of the values they replaced.
  const values = d.exact ? d.values : d.values.filter((v) => v.count - v.maxError >= 2)
  const others = d.total - values.reduce((n, v) => n + v.count, 0)
  const rows = values.map((v) => {
    const pct = d.total > 0 ? (100 * v.count) / d.total : 0
    const approx = v.maxError > 0 ? ` (≤ +${thousands(v.maxError)})` : ''
    const marker = v.value === '-' || v.value === '!' || v.value === '.' ? ' class="marker"' : ''
    return `<tr><td><code${marker}>${esc(shown(v.value))}</code></td><td class="bar"><span style="width:${pct.toFixed(2)}%"></span></td><td class="num">${thousands(v.count)}${approx}</td><td class="num">${pct.toFixed(1)}%</td></tr>`
  })
  if (others > 0) {
    const pct = (100 * others) / d.total
    rows.push(`<tr class="others"><td>${values.length === 0 ? 'all values' : 'other values'}</td><td class="bar"><span style="width:${pct.toFixed(2)}%"></span></td><td class="num">${thousands(others)}</td><td class="num">${pct.toFixed(1)}%</td></tr>`)
  }
  const most = Math.max(0, ...d.values.map((v) => v.count))
  const note = d.exact
    ? `${thousands(d.distinct)} distinct value${d.distinct === 1 ? '' : 's'}, exact counts`
    : values.length === 0
      ? `more than ${thousands(d.distinct)} distinct values, none seen twice for sure: no value stands out (none is in more than ${thousands(most)} events)`
      : `more than ${thousands(d.distinct)} distinct values: those seen most often (counts are upper bounds)`
  return `<div class="dist"><h3><code>${esc(d.column)}</code></h3><p class="note">${thousands(d.total)} events · ${note}</p><table>${rows.join('')}</table></div>`
}

function detailsTable(headers: string[], rows: string[][]): string {
  return `<table class="details"><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1d2329;background:#f6f8fa}
main{max-width:1040px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:4px 0 6px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}h3{font-size:14px;margin:0 0 2px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600;margin-right:8px}
.pass{background:#1a7f37}.fail{background:#cf222e}.warn{background:#9a6700}
.meta{color:#57606a;margin:2px 0}
code{font:12.5px ui-monospace,SFMono-Regular,"DejaVu Sans Mono",monospace;background:#eaeef2;padding:0 4px;border-radius:4px}
code.marker{background:none;color:#57606a;font-style:italic}
table{border-collapse:collapse;background:#fff}
table.fields,table.details{width:100%;margin:6px 0}
.fields th,.fields td,.details th,.details td{border:1px solid #d8dee4;padding:4px 8px;text-align:left;vertical-align:top}
.fields td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.bad td:first-child{border-left:4px solid #cf222e}tr.good td:first-child{border-left:4px solid #1a7f37}
ul.failures{color:#cf222e}
.chart{background:#fff;border:1px solid #d8dee4;border-radius:6px;margin:6px 0}
.chart .ev{fill:#eaeef2}.chart .axis{stroke:#57606a;stroke-width:1}.chart .lab{font-size:11px;fill:#57606a}.chart .ctitle{font-size:13px;font-weight:600;fill:#1d2329}
.legend span{margin-right:14px;font-size:12px;color:#57606a;white-space:nowrap}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}.legend .ev-key{background:#eaeef2;outline:1px solid #d0d7de}
.dists{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:12px}
.dist{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:8px 10px}
.dist table{width:100%}.dist td{padding:1px 4px;font-size:12.5px;white-space:nowrap}.dist td:first-child{max-width:150px;overflow:hidden;text-overflow:ellipsis}
.dist td.bar{width:40%}.dist td.bar span{display:block;height:10px;background:#54aeff;border-radius:2px;min-width:1px}
.dist tr.others td.bar span{background:#afb8c1}.dist td.num{text-align:right;font-variant-numeric:tabular-nums;color:#57606a}
.note{color:#57606a;font-size:12px;margin:0 0 4px}
select{font:inherit;padding:2px 4px}
`

// Shows the chart of the field picked in the menu (every chart is in the page already); the
// page's address remembers it (#field=NAME), so a link opens a field's chart.
const JS = `
var pick = document.getElementById('pick')
function show(value) {
  pick.value = value
  document.querySelectorAll('[data-chart]').forEach(function (c) { c.hidden = c.getAttribute('data-chart') !== value })
}
pick.addEventListener('change', function () {
  show(pick.value)
  history.replaceState(null, '', pick.value === '*' ? '#' : '#field=' + encodeURIComponent(pick.options[pick.selectedIndex].text))
})
var wanted = decodeURIComponent((location.hash.match(/^#field=(.*)$/) || [])[1] || '')
for (var i = 0; i < pick.options.length; i++) if (pick.options[i].text === wanted) show(pick.options[i].value)
`

export function replayHtml(r: ReplayResult): string {
  const p = r.positions
  const verdict = r.passed ? (r.warnings.length > 0 ? ['PASS with warnings', 'warn'] : ['PASS', 'pass']) : ['FAIL', 'fail']
  const plugins = r.plugins.map((x) => `${x.name} ${x.version} (API ${x.generation})`).join(', ')
  const recorded = (r.recordedPlugins ?? []).map((x) => `${x.name} ${x.version}`).join(', ')
  const orders = ['forward', r.reverse ? 'reverse' : '', r.shuffleSeed !== null ? `shuffled (seed ${r.shuffleSeed})` : ''].filter(Boolean).join(', ')
  const body: string[] = []
  body.push(`<h1><span class="badge ${verdict[1]}">${verdict[0]}</span>scaptool replay of <code>${esc(r.capture)}</code></h1>`)
  body.push(`<p class="meta">${thousands(r.events)} events replayed with ${esc(plugins)} in ${(r.progress.elapsedMs / 1000).toFixed(2)} s · orders: ${esc(orders)} · ${r.threads} thread${r.threads === 1 ? '' : 's'}</p>`)
  body.push(`<p class="meta">${r.golden ? `golden file <code>${esc(r.golden)}</code>, recorded with ${esc(recorded)}` : r.updated ? `golden file written: <code>${esc(r.updated)}</code>` : 'no golden file: nothing compared (the order checks ran)'}</p>`)
  if (r.failures.length > 0) body.push(`<ul class="failures">${r.failures.map((f) => `<li>${esc(f)}</li>`).join('')}</ul>`)
  if (r.warnings.length > 0) body.push(`<ul>${r.warnings.map((w) => `<li>warning: ${esc(w)}</li>`).join('')}</ul>`)

  body.push('<h2>Fields</h2>')
  const head = ['field', 'plugin', 'compared', 'mismatches', 'reverse', 'shuffled', 'batching', 'values', 'absent', 'errors', 'n.a.']
  const rows = r.columns.map((c) => {
    const bad = c.plugin === null || c.mismatches > 0 || c.reverseDifferences + c.shuffleDifferences > 0
    const probed = c.plugin !== null && r.batchingProbed.includes(c.plugin)
    const n = (v: number, shownIf = true) => `<td class="num">${shownIf ? thousands(v) : '–'}</td>`
    return `<tr class="${bad ? 'bad' : 'good'}"><td><code>${esc(c.column)}</code></td><td>${esc(c.plugin ?? '(none)')}</td>${n(c.compared, Boolean(r.golden))}${n(c.mismatches, Boolean(r.golden))}${n(c.reverseDifferences, r.reverse)}${n(c.shuffleDifferences, r.shuffleSeed !== null)}${n(c.batchingDifferences, probed)}${n(c.values)}${n(c.absent)}${n(c.errors)}${n(c.notApplicable)}</tr>`
  })
  body.push(`<table class="fields"><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>`)

  body.push('<h2>Along evt.num</h2>')
  if (!p || p.bins === 0) {
    body.push('<p class="note">No events.</p>')
  } else {
    const withDiffs = p.columns.filter((c) => KINDS.some((k) => c[k.key].some((n) => n > 0)))
    const total = withDiffs.reduce((n, c) => n + KINDS.reduce((m, k) => m + c[k.key].reduce((a, b) => a + b, 0), 0), 0)
    body.push(`<p class="note">${total === 0 ? 'No mismatch and no order or batching difference: the bars would be here.' : `${thousands(total)} differences in ${withDiffs.length} field${withDiffs.length === 1 ? '' : 's'}.`} Every event and every difference is counted, in ${p.bins} bars of ${thousands(p.binWidth)} evt.num each.</p>`)
    if (withDiffs.length > 0) {
      body.push(`<p><label>Field: <select id="pick"><option value="*">all fields</option>${withDiffs.map((c, i) => `<option value="${i}">${esc(c.column)}</option>`).join('')}</select></label></p>`)
    }
    body.push(legend())
    body.push(`<div data-chart="*">${chart(p, sumSeries(p, p.columns), 'All fields', 240)}</div>`)
    withDiffs.forEach((c, i) => body.push(`<div data-chart="${i}" hidden>${chart(p, sumSeries(p, [c]), c.column, 240)}</div>`))
  }

  body.push('<h2>Value distributions</h2>')
  if (r.distributions.length === 0) body.push('<p class="note">Not counted in this replay.</p>')
  else body.push(`<div class="dists">${r.distributions.map(distribution).join('')}</div>`)

  if (r.mismatches.length > 0) {
    const total = r.columns.reduce((n, c) => n + c.mismatches, 0)
    body.push(`<h2>Mismatches (first ${r.mismatches.length} of ${thousands(total)})</h2>`)
    body.push(detailsTable(['evt.num', 'field', 'expected (live run)', 'actual (replay)'], r.mismatches.map((m) => [String(m.evtnum), `<code>${esc(m.column)}</code>`, `<code>${esc(shown(m.expected, 200))}</code>`, `<code>${esc(shown(m.actual, 200))}</code>`])))
  }
  if (r.orderDifferences.length > 0) {
    body.push('<h2>History-dependent fields</h2>')
    body.push(`<p>Values of ${r.historyDependent.map((c) => `<code>${esc(c)}</code>`).join(', ')} depend on the events the plugin extracted before.</p>`)
    body.push(detailsTable(['evt.num', 'field', 'capture order', 'other order', 'order'], r.orderDifferences.map((d) => [String(d.evtnum), `<code>${esc(d.column)}</code>`, `<code>${esc(shown(d.forward))}</code>`, `<code>${esc(shown(d.other))}</code>`, d.order])))
  }
  if (r.batching.length > 0) {
    body.push(`<h2>Batching probe: ${r.strictBatching ? 'failure' : 'warning'}</h2><p>${esc(BATCHING_EXPLANATION)}.</p>`)
    body.push(`<ul>${r.batching.map((b) => `<li><b>${esc(b.plugin)}</b>: ${b.failure ? `fails with all fields in one call: ${esc(b.failure)}` : `${b.columns.map((c) => `<code>${esc(c)}</code>`).join(', ')} (${thousands(b.differences)} values)`}</li>`).join('')}</ul>`)
    if (r.batchingDifferences.length > 0) body.push(detailsTable(['evt.num', 'field', 'one field per call', 'all fields in one call'], r.batchingDifferences.map((d) => [String(d.evtnum), `<code>${esc(d.column)}</code>`, `<code>${esc(shown(d.oneField))}</code>`, `<code>${esc(shown(d.allFields))}</code>`])))
  }
  if (r.upgrades.length > 0) {
    body.push('<h2>Version verdicts</h2>')
    body.push(detailsTable(['plugin', 'recorded', 'replayed', 'required bump', 'actual bump', 'verdict'], r.upgrades.map((u) => [esc(u.plugin), esc(u.recordedVersion), esc(u.replayedVersion), esc(u.required), esc(u.actual), `${u.honest ? 'honest' : '<b>dishonest</b>'}: ${esc(u.explanation)}`])))
  }
  // the report's data, for scripts (`</` cannot end the script element early)
  const data = JSON.stringify(r).replace(/</g, '\\u003c')
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>scaptool replay: ${esc(verdict[0])} · ${esc(r.capture)}</title>
<style>${CSS}</style></head>
<body><main>
${body.join('\n')}
</main>
<script type="application/json" id="scaptool-report">${data}</script>
${p && p.bins > 0 && p.columns.some((c) => KINDS.some((k) => c[k.key].some((n) => n > 0))) ? `<script>${JS}</script>` : ''}
</body></html>
`
}

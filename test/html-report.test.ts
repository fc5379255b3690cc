// The HTML replay report, as a person opens it: a self-contained page (no network, inline CSS,
// SVG and JS) checked in headless Chromium (Debian's chromium): it loads without a script
// error, its chart of mismatches and history differences along evt.num and its value
// distributions are drawn (the screenshot's pixels hold the chart's colours), and a link to a
// field's chart (#field=NAME) opens that chart.
import test from 'ava'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {spawnSync} from 'node:child_process'

import {cli, plugin, tempDir} from './helpers.js'
import {countColor, readPng} from './png.js'

const dir = tempDir()

/** Chromium as polyglot.md's "Known to work" starts it: headless, no sandbox (root), no
 * background networking (the machine has no network), a fresh profile. */
function chromium(url: string, extra: string[]): {stdout: string; stderr: string} {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${mkdtempSync(join(tmpdir(), 'scaptool-chromium-'))}`,
    '--enable-logging=stderr',
    '--v=0',
    ...extra,
    url,
  ]
  const r = spawnSync('chromium', args, {encoding: 'utf8', timeout: 120_000})
  if (r.error) throw new Error(`chromium (Debian's chromium, scripts/install-system-deps.sh): ${r.error.message}`)
  if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr}`)
  return {stdout: r.stdout, stderr: r.stderr}
}

/** Messages of the page's console (script errors among them). */
function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes(':CONSOLE'))
}

test('the HTML report renders in headless Chromium: table, chart along evt.num, value distributions', async (t) => {
  // a plugin whose max_sample field depends on history: mismatches and order differences
  const cap = join(dir, 'ms.scap')
  const rec = await cli(['record', '-p', plugin('libdummy_maxsample_c.so'), '--init-config', '{"seed": 7}', '--open-params', '{"start": 1, "maxEvents": 3000}', '--field', 'dummy.divisible[3]', '-o', cap])
  t.is(rec.status, 0, rec.stderr)
  const html = join(dir, 'report.html')
  const r = await cli(['replay', cap, '-p', plugin('libdummy_maxsample_c.so'), '--shuffle-seed', '9', '--html', html])
  t.is(r.status, 1, r.stdout + r.stderr)
  const text = readFileSync(html, 'utf8')

  // self-contained: nothing fetched from anywhere
  t.notRegex(text, /<link\b|<img\b|<iframe\b|\bsrc=|@import|url\(|https?:\/\//i)
  t.regex(text, /^<!DOCTYPE html>/)
  // the report's data is embedded (scripts can read it) and matches --json
  const data = JSON.parse(text.match(/<script type="application\/json" id="scaptool-report">([\s\S]*?)<\/script>/)![1])
  t.is(data.events, 3000)
  const col = data.columns.find((c: {column: string}) => c.column === 'dummy.max_sample')
  const pos = data.positions.columns.find((c: {column: string}) => c.column === 'dummy.max_sample')
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0)
  t.is(sum(pos.mismatches), col.mismatches)
  t.is(sum(pos.reverse), col.reverseDifferences)
  t.is(sum(pos.shuffle), col.shuffleDifferences)
  t.is(sum(data.positions.events), 3000)
  t.is(data.distributions.length, 4)

  // the page after its script ran: no script error, every part present
  const dom = chromium(`file://${html}`, ['--dump-dom'])
  t.deepEqual(consoleLines(dom.stderr), [])
  t.regex(dom.stdout, /<span class="badge fail">FAIL<\/span>scaptool replay of/)
  t.regex(dom.stdout, /<h2>Fields<\/h2><table class="fields">|<h2>Fields<\/h2>\s*<table class="fields">/)
  t.regex(dom.stdout, /<div data-chart="\*"><svg class="chart"/)
  t.regex(dom.stdout, /<rect [^>]*fill="#d62728"><title>evt\.num [\d,]+–[\d,]+:\n[\d,]+ mismatches \(golden file\)/)
  t.regex(dom.stdout, /fill="#ff7f0e"/)
  t.regex(dom.stdout, /fill="#9467bd"/)
  t.regex(dom.stdout, /<h3><code>dummy\.divisible\[3\]<\/code><\/h3><p class="note">3,000 events · 2 distinct values, exact counts<\/p>/)

  // the screenshot: the verdict badge, the stacked bars and the distribution bars are drawn
  const png = join(dir, 'report.png')
  const shot = chromium(`file://${html}`, ['--window-size=1100,1600', `--screenshot=${png}`, '--hide-scrollbars'])
  t.deepEqual(consoleLines(shot.stderr), [])
  const img = readPng(png)
  t.is(img.width, 1100)
  t.true(countColor(img, [0xcf, 0x22, 0x2e]) > 500, 'the red FAIL badge')
  t.true(countColor(img, [0xd6, 0x27, 0x28]) > 5000, 'mismatch bars')
  t.true(countColor(img, [0xff, 0x7f, 0x0e]) > 5000, 'reverse-order bars')
  t.true(countColor(img, [0x94, 0x67, 0xbd]) > 5000, 'shuffled-order bars')
  t.true(countColor(img, [0x54, 0xae, 0xff]) > 300, 'value distribution bars')
  t.log(`screenshot: ${png}`)

  // a link to one field's chart opens it (the others hidden)
  const linked = chromium(`file://${html}#field=dummy.max_sample`, ['--dump-dom'])
  t.deepEqual(consoleLines(linked.stderr), [])
  t.regex(linked.stdout, /<div data-chart="\*" hidden="">/)
  t.regex(linked.stdout, /<div data-chart="0"><svg class="chart" [^>]*aria-label="dummy\.max_sample"/)
})

test('a passing replay draws an empty chart and says so', async (t) => {
  const cap = join(dir, 'ok.scap')
  t.is((await cli(['record', '-p', plugin('libdummy_api3.so'), '--open-params', '{"start": 1, "maxEvents": 100}', '-o', cap])).status, 0)
  const html = join(dir, 'ok.html')
  const r = await cli(['replay', cap, '-p', plugin('libdummy_api3.so'), '--html', html])
  t.is(r.status, 0, r.stdout + r.stderr)
  const dom = chromium(`file://${html}`, ['--dump-dom'])
  t.deepEqual(consoleLines(dom.stderr), [])
  t.regex(dom.stdout, /<span class="badge pass">PASS<\/span>/)
  t.regex(dom.stdout, /No mismatch and no order or batching difference/)
  t.notRegex(dom.stdout, /fill="#d62728"/)
})

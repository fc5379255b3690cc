// Capture editing as sysdig users expect: `convert --filter` keeps the events `sysdig -r in -w
// out filter` keeps (Debian's sysdig 0.29.3 with the API 0.3 C dummy, and a syscall capture of
// Falco's), the written files read back in sysdig, -n, --evtnum and --since/--until select what
// they say, `merge` orders captures by timestamp, and `diff` compares golden files or captures
// with replay's reporters.
import test from 'ava'
import {readFileSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {cli, plugin, projectRoot, run, tempDir} from './helpers.js'

const PLUGINS_DIR = join(projectRoot, 'fixtures', 'plugins')
const CONFIG = 'dummy_c/sysdig-plugins.yaml'
const CAPTURE = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
const SYSCALLS = resolve(projectRoot, '..', 'shared', 'captures', 'falco', 'cat_write.scap')
const PLUGIN5 = resolve(projectRoot, '..', 'shared', 'captures', 'sysdig-plugin', 'plugin5.scap')
const SCHEMA = resolve(projectRoot, '..', 'shared', 'reference', 'junit-10.xsd')
const DUMMY = ['-p', plugin('libdummy_c.so'), '--init-config', '{"jitter": 10, "seed": 7}']
const FORMAT = '%evt.num %evt.rawtime %dummy.value %dummy.strvalue %evt.plugininfo'
const dir = tempDir()

/** sysdig 0.29.3 with the C dummy plugin (API 0.3) loaded, from fixtures/plugins. */
function sysdig(args: string[]): string {
  return run('env', ['TZ=UTC', 'sysdig', '--plugin-config-file', CONFIG, ...args], {cwd: PLUGINS_DIR})
}

const FILTERS = ['dummy.divisible[3] = 1', 'dummy.value > 50 and dummy.strvalue contains "1"', 'evt.num > 5 and evt.num <= 12 and not dummy.divisible[2] = 1']

for (const [i, filter] of FILTERS.entries()) {
  test(`convert --filter keeps what sysdig -r in -w out keeps: ${filter}`, async (t) => {
    const ours = join(dir, `ours-${i}.scap`)
    const theirs = join(dir, `sysdig-${i}.scap`)
    const r = await cli(['convert', CAPTURE, ours, ...DUMMY, '--filter', filter, '--json'])
    t.is(r.status, 0, r.stdout + r.stderr)
    sysdig(['-r', CAPTURE, '-w', theirs, filter])
    // read back by sysdig: the same events, numbered 1..k again in both files
    const fromOurs = sysdig(['-r', ours, '-p', FORMAT])
    t.is(fromOurs, sysdig(['-r', theirs, '-p', FORMAT]))
    // and they are the events the filter matches in the input
    const lines = fromOurs.trim().split('\n')
    const matched = sysdig(['-r', CAPTURE, '-p', '%evt.rawtime %dummy.value', filter]).trim().split('\n')
    t.deepEqual(lines.map((l) => l.split(' ').slice(1, 3).join(' ')), matched)
    t.deepEqual(lines.map((l) => Number(l.split(' ')[0])), lines.map((_, k) => k + 1))
    const j = JSON.parse(r.stdout)
    t.is(j.kept, matched.length)
    t.is(j.eventsRead, 20)
    t.is(j.selection.filter, filter)
  })
}

test('convert -n stops after N kept events, as sysdig -n', async (t) => {
  const ours = join(dir, 'n.scap')
  const theirs = join(dir, 'n-sysdig.scap')
  t.is((await cli(['convert', CAPTURE, ours, ...DUMMY, '--filter', 'dummy.divisible[2] = 1', '-n', '3'])).status, 0)
  sysdig(['-r', CAPTURE, '-w', theirs, '-n', '3', 'dummy.divisible[2] = 1'])
  const fromOurs = sysdig(['-r', ours, '-p', FORMAT])
  t.is(fromOurs.trim().split('\n').length, 3)
  t.is(fromOurs, sysdig(['-r', theirs, '-p', FORMAT]))
})

test('a syscall capture: the selection keeps the state blocks, so sysdig resolves the kept events the same', async (t) => {
  const ours = join(dir, 'open.scap')
  const r = await cli(['convert', SYSCALLS, ours, '--filter', 'evt.type = open', '--json'])
  t.is(r.status, 0, r.stderr)
  const j = JSON.parse(r.stdout)
  t.like(j, {kept: 8, eventsRead: 345, otherBlocks: 78, firstKept: 140, lastKept: 197})
  // fd names come from the copied fd tables (sysdig 0.29.3's own -w output of this capture
  // cannot be read back by sysdig: "corrupted interface list", so the input is the reference)
  const fmt = '%evt.rawtime %evt.type %evt.dir %evt.args'
  const expected = run('sysdig', ['-r', SYSCALLS, '-p', fmt, 'evt.type = open'])
  t.is(run('sysdig', ['-r', ours, '-p', fmt]), expected)
  t.regex(expected, /fd=3\(<f>\/etc\/ld\.so\.cache\)/)
})

test('--evtnum and --since/--until select by the input numbering and by time', async (t) => {
  const stamps = sysdig(['-r', CAPTURE, '-p', '%evt.num %evt.rawtime']).trim().split('\n').map((l) => l.split(' '))
  const pick = async (args: string[]) => {
    const out = join(dir, `range-${args.join('_').replace(/[^\w]/g, '')}.scap`)
    const r = await cli(['convert', CAPTURE, out, ...args])
    t.is(r.status, 0, r.stdout + r.stderr)
    return sysdig(['-r', out, '-p', '%evt.rawtime']).trim().split('\n').filter(Boolean)
  }
  t.deepEqual(await pick(['--evtnum', '5-9']), stamps.slice(4, 9).map((s) => s[1]))
  t.deepEqual(await pick(['--evtnum', '17-']), stamps.slice(16).map((s) => s[1]))
  t.deepEqual(await pick(['--evtnum', '..3']), stamps.slice(0, 3).map((s) => s[1]))
  // since inclusive, until exclusive, in any of the three forms
  const since = BigInt(stamps[5][1])
  const until = BigInt(stamps[14][1])
  const expected = stamps.filter((s) => BigInt(s[1]) >= since && BigInt(s[1]) < until).map((s) => s[1])
  t.deepEqual(await pick(['--since', String(since), '--until', String(until)]), expected)
  const iso = (ns: bigint) => `${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19)}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`
  t.deepEqual(await pick(['--since', iso(since), '--until', iso(until)]), expected)
  const first = BigInt(stamps[0][1])
  t.deepEqual(await pick(['--since', `+${since - first}ns`, '--until', `+${Number(until - first) / 1000}us`]), expected)
  // usage errors say what is wrong
  const bad = await cli(['convert', CAPTURE, join(dir, 'x.scap'), '--evtnum', '9-3'])
  t.is(bad.status, 2)
  t.regex(bad.stderr, /--evtnum 9-3: the range is empty/)
  const badTime = await cli(['convert', CAPTURE, join(dir, 'x.scap'), '--since', 'yesterday'])
  t.is(badTime.status, 2)
  t.regex(badTime.stderr, /--since "yesterday": expected an RFC 3339 time/)
})

test('merge orders events by timestamp across captures; sysdig reads the result', async (t) => {
  const odd = join(dir, 'odd.scap')
  const even = join(dir, 'even.scap')
  t.is((await cli(['convert', CAPTURE, odd, ...DUMMY, '--filter', 'evt.num in (1, 3, 5, 7, 9, 11, 13, 15, 17, 19)'])).status, 0)
  t.is((await cli(['convert', CAPTURE, even, ...DUMMY, '--filter', 'not evt.num in (1, 3, 5, 7, 9, 11, 13, 15, 17, 19)'])).status, 0)
  const merged = join(dir, 'merged.scap.gz')
  const r = await cli(['merge', even, odd, '-o', merged, '--json'])
  t.is(r.status, 0, r.stderr)
  const j = JSON.parse(r.stdout)
  t.like(j, {events: 20, outputCompression: 'gzip'})
  t.deepEqual(j.inputs.map((i: {events: number}) => i.events), [10, 10])
  // the merged capture has every event of the original, in timestamp order (sysdig numbers
  // them 1..20 as it reads)
  const lines = sysdig(['-r', merged, '-p', '%evt.num %evt.rawtime %dummy.value']).trim().split('\n').map((l) => l.split(' '))
  t.deepEqual(lines.map((l) => Number(l[0])), Array.from({length: 20}, (_, k) => k + 1))
  const ts = lines.map((l) => BigInt(l[1]))
  t.true(ts.every((v, k) => k === 0 || ts[k - 1] <= v))
  const original = sysdig(['-r', CAPTURE, '-p', '%evt.rawtime %dummy.value']).trim().split('\n')
  t.deepEqual([...lines.map((l) => `${l[1]} ${l[2]}`)].sort(), [...original].sort())

  // two unrelated captures: sysdig's plugin5 (2020, plugin id 999) comes first
  const two = join(dir, 'two.scap')
  const m = await cli(['merge', CAPTURE, PLUGIN5, '-o', two, '--json'])
  t.is(m.status, 0, m.stderr)
  const info = JSON.parse((await cli(['info', two, '--json'])).stdout)
  t.is(info.events, 25)
  t.deepEqual(info.eventsByPlugin.map((p: {pluginId: number; count: number}) => [p.pluginId, p.count]).sort(), [[4, 20], [999, 5]])
  t.is(info.outOfOrderTimestamps, 0)
  const text = await cli(['merge', CAPTURE, join(dir, 'missing.scap'), '-o', join(dir, 'x.scap')])
  t.is(text.status, 5)
  const one = await cli(['merge', CAPTURE, '-o', join(dir, 'x.scap')])
  t.is(one.status, 2)
})

test('diff: golden files and captures, with text, JSON, JUnit and Markdown', async (t) => {
  const a = join(dir, 'diff-a.scap')
  const b = join(dir, 'diff-b.scap')
  const rec = (out: string, seed: number, events: number) => cli(['record', '-p', plugin('libdummy_api3.so'), '--init-config', `{"seed": ${seed}}`, '--open-params', `{"start": 1, "maxEvents": ${events}}`, '--field', 'dummy.divisible[3]', '-o', out])
  t.is((await rec(a, 7, 100)).status, 0)
  t.is((await rec(b, 7, 100)).status, 0)
  // same plugin, same seed: the same values, other timestamps (different events)
  const same = await cli(['diff', `${a}.golden`, `${a}.golden`])
  t.is(same.status, 0)
  t.regex(same.stdout, /\nIDENTICAL\n$/)
  const golden = await cli(['diff', `${a}.golden`, `${b}.golden`, '--json'])
  t.is(golden.status, 1)
  const g = JSON.parse(golden.stdout)
  t.like(g, {rowsA: 100, rowsB: 100, comparedRows: 100, eventDifferences: 100, identical: false})
  t.true(g.columns.every((c: {differences: number}) => c.differences === 0))

  // a changed value: one difference, placed along evt.num, in every reporter
  const changed = readFileSync(`${b}.golden`, 'utf8').replace(/^(42\t\d+\t3\t)\d+/m, '$1777')
  writeFileSync(`${b}.golden`, changed)
  const xml = join(dir, 'diff.xml')
  const md = join(dir, 'diff.md')
  const d = await cli(['diff', `${a}.golden`, `${b}.golden`, '--junit', xml, '--markdown', md])
  t.is(d.status, 1)
  t.regex(d.stdout, /\n {2}evt\.num 42 dummy\.value: \d+ vs 777\n/)
  t.notThrows(() => run('xmllint', ['--noout', '--schema', SCHEMA, xml]))
  t.regex(readFileSync(xml, 'utf8'), /<testcase classname="scaptool\.diff" name="dummy\.value is the same on both sides" time="[\d.]+"><failure message="1 of 100 values differ: evt\.num 42: \d+ vs 777"/)
  t.regex(readFileSync(md, 'utf8'), /^## ❌ different · scaptool diff of `[^`]+` and `[^`]+`\n[\s\S]*\| 42 \| `dummy\.value` \| `\d+` \| `777` \|/)

  // captures: replayed through the same plugin; a capture and a part of it differ in rows only
  const part = join(dir, 'diff-part.scap')
  t.is((await cli(['convert', a, part, '--evtnum', '1-60'])).status, 0)
  const c = await cli(['diff', a, part, '-p', plugin('libdummy_api3.so'), '--field', 'dummy.divisible[3]', '--json'])
  t.is(c.status, 1, c.stderr)
  const cj = JSON.parse(c.stdout)
  t.like(cj, {rowsA: 100, rowsB: 60, comparedRows: 60, eventDifferences: 0, captures: {a, b: part}})
  t.deepEqual(cj.columns.map((x: {column: string; differences: number}) => [x.column, x.differences]), [['dummy.value', 0], ['dummy.strvalue', 0], ['dummy.divisible[3]', 0]])
  const mixed = await cli(['diff', a, `${b}.golden`])
  t.is(mixed.status, 2)
  const noPlugins = await cli(['diff', a, part])
  t.is(noPlugins.status, 2)
  t.regex(noPlugins.stderr, /name the plugins/)
})

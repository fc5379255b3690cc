// `scaptool print` against current libsinsp (the oracle's sinsp-example): the same capture,
// plugins, filter and format must print the same lines, or be refused by both. Covers every
// evt.* field scaptool computes, every plugin field type (dummyx3: bool, reltime, abstime,
// ipaddr, ipnet, lists, key and index arguments), %NN, `*`, JSON, the filter operators, the
// transformers, and the syscall captures of ../shared (evt.* fields only: scaptool keeps no
// process state). A missing oracle or fixture fails. See print-oracle.ts for how sinsp-example's
// demo habits are undone.
import test from 'ava'
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {capture, cli, plugin, tempDir} from './helpers.js'
import {sinspExample, type OraclePlugin} from './oracle.js'
import {difference, oraclePrint, scaptoolCli, type PrintCase, type Printed} from './print-oracle.js'

function need(lib: string): OraclePlugin {
  const path = plugin(lib)
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run -s build:fixtures`)
  return {path}
}

const dir = tempDir('scaptool-print-libsinsp-')

/** A capture of 300 events of a fixture source plugin, recorded once. */
const recordings = new Map<string, Promise<string>>()
function recorded(lib: string, seed: number): Promise<string> {
  let p = recordings.get(lib)
  if (!p) {
    p = (async () => {
      const out = join(dir, `${lib.replace(/\W/g, '_')}.scap`)
      const r = await cli(['record', '-p', need(lib).path, '--init-config', JSON.stringify({jitter: 10, seed}), '--open-params', '{"start": 1, "maxEvents": 300}', '-o', out, '-n', '300', '--no-golden'])
      if (r.status !== 0) throw new Error(`record ${lib}: ${r.stdout}${r.stderr}`)
      return out
    })()
    recordings.set(lib, p)
  }
  return p
}

const cCapture = () => recorded('libdummy_api3.so', 7)
const goCapture = () => recorded('go/libdummy.so', 11)
const C = () => [need('libdummy_api3.so'), need('libdummyx3_1_0_0.so')]

/** Runs the case on both sides; they must agree. `expect` says what the case is about: a
 * refusal (which part), a number of lines, some lines (the default), or `either` (a list of
 * cases where only the agreement matters). */
async function agree(t: import('ava').ExecutionContext, c: PrintCase, expect: {refused?: 'filter' | 'format'; lines?: number} | 'either' = {}): Promise<Printed> {
  const want = oraclePrint(c)
  const got = await scaptoolCli(c)
  const label = `${c.filter ?? ''} | ${c.format}${c.json ? ' -j' : ''}`
  t.is(difference(want, got), undefined, label)
  if (expect === 'either') return want
  // the case tests what it means to: a refusal, or lines
  t.is(want.refused, expect.refused, `${label}: libsinsp ${want.refused ? `refuses the ${want.refused}: ${want.message}` : 'accepts it'}`)
  if (expect.lines !== undefined) t.is(want.lines.length, expect.lines, `${label}: lines`)
  else if (!expect.refused) t.true(want.lines.length > 0, `${label}: prints something`)
  return want
}

const EVT_ALL = [
  'evt.num', 'evt.time', 'evt.time.s', 'evt.datetime', 'evt.datetime.s', 'evt.time.iso8601',
  'evt.rawtime', 'evt.rawtime.s', 'evt.rawtime.ns', 'evt.reltime', 'evt.reltime.s', 'evt.reltime.ns',
  'evt.source', 'evt.pluginname', 'evt.plugininfo', 'evt.is_async', 'evt.asynctype', 'evt.type',
  'evt.dir', 'evt.cpu', 'evt.hostname',
]

test('the default output: sinsp-example prints %evt.num %evt.time [%evt.pluginname] %evt.plugininfo, scaptool keeps sysdig 0.29.3\'s evt.datetime.s', async (t) => {
  const cap = await cCapture()
  const plugins = [need('libdummy_api3.so')]
  // sinsp-example without -o: its PLUGIN_DEFAULTS
  const theirs = sinspExample(cap, {plugins})
  t.is(theirs.status, 0, theirs.stderr)
  const explicit = await scaptoolCli({capture: cap, plugins, format: '%evt.num %evt.time [%evt.pluginname] %evt.plugininfo'})
  t.deepEqual(explicit.lines, theirs.lines, "scaptool with libsinsp's default format written out")
  // scaptool's own default (README: sysdig 0.29.3's) differs in the time column only
  const ours = await cli(['print', cap, '-p', plugins[0].path])
  t.is(ours.status, 0, ours.stderr)
  const oursLines = ours.stdout.trimEnd().split('\n')
  t.is(oursLines.length, theirs.lines.length)
  const parts = (l: string) => /^(\d+) (\S+(?: \S+)?) (\[.*)$/.exec(l)!.slice(1)
  for (const [i, l] of oursLines.entries()) {
    const [num, datetime, rest] = parts(l)
    const [num2, time, rest2] = parts(theirs.lines[i])
    t.deepEqual([num, rest], [num2, rest2])
    t.is(datetime.slice(11), time.slice(0, 8), 'evt.datetime.s (scaptool) against evt.time (libsinsp)')
  }
  // -j without -o: the same format's fields as JSON
  const json = sinspExample(cap, {plugins, json: true})
  t.deepEqual((await scaptoolCli({capture: cap, plugins, format: '%evt.num %evt.time [%evt.pluginname] %evt.plugininfo', json: true})).lines, json.lines)
})

test('every evt.* field in formats: text, JSON, with and without *, plugin loaded or not', async (t) => {
  const cap = await cCapture()
  const all = EVT_ALL.map((f) => `%${f}`).join('|')
  for (const plugins of [C(), [need('go/libdummy.so')], []]) {
    await agree(t, {capture: cap, plugins, format: `*${all}`})
    await agree(t, {capture: cap, plugins, format: `*${all}`, json: true})
  }
  // without *: evt.asynctype has no value for plugin events, so no line at all
  await agree(t, {capture: cap, plugins: C(), format: all}, {lines: 0})
  await agree(t, {capture: cap, plugins: C(), format: all.replace('|%evt.asynctype', '')}, {lines: 300})
  // no plugin with the events' id: pluginname, plugininfo and source have no value
  await agree(t, {capture: cap, plugins: [], format: '%evt.num %evt.source'}, {lines: 0})
  await agree(t, {capture: cap, plugins: [], format: '*%evt.num %evt.source %evt.pluginname'}, {lines: 300})
  // the Go plugin's capture, read with the C build of the same id
  await agree(t, {capture: await goCapture(), plugins: C(), format: `*${all}`})
})

test('evt.* fields in filters', async (t) => {
  const cap = await cCapture()
  const plugins = C()
  const filters = [
    'evt.num > 10 and evt.num <= 20',
    'evt.num in (1, 5, 300, 301)',
    "evt.time glob '*:*:*.*5'",
    'evt.time.s exists and evt.datetime.s contains " "',
    'evt.datetime endswith 9',
    'evt.time.iso8601 startswith 20 and evt.time.iso8601 endswith +0000',
    'evt.rawtime > 0 and evt.rawtime.s > 1000000000',
    'evt.rawtime.ns >= 500000000',
    'evt.reltime < 10000 or evt.reltime.ns > 20000',
    'evt.reltime.s = 0',
    'evt.source = dummy and evt.pluginname = dummy_api3',
    'evt.plugininfo contains \'"1\'',
    `evt.plugininfo regex '.*"[0-9]*7"[}]'`,
    'evt.is_async = false',
    'evt.is_async = true',
    'evt.asynctype exists',
    'not evt.asynctype exists',
    'evt.type = pluginevent and evt.dir = ">"',
    'evt.type in (pluginevent, open)',
    'evt.type = sched_process_exit or evt.type = page_fault_user', // tracepoint names (ppm_sc)
    'evt.type in (openat2, pidfd_open, io_uring_setup)', // syscalls without events of their own
    'evt.type startswith ""', // some ppm_sc codes have no name: "" is one
    'evt.cpu = 0',
    'evt.cpu > -1 and evt.cpu < 70000',
    'evt.hostname = ""',
    'evt.hostname exists',
  ]
  for (const filter of filters) {
    const want = await agree(t, {capture: cap, plugins, filter, format: '%evt.num %evt.reltime %evt.plugininfo'}, 'either')
    t.is(want.refused, undefined, `${filter}: ${want.message}`)
  }
  // an int16 (evt.cpu) is its own type for val(); a bad network or number is refused
  await agree(t, {capture: cap, plugins, filter: 'evt.cpu = val(evt.num)', format: '%evt.num'}, {refused: 'filter'})
  await agree(t, {capture: cap, plugins, filter: 'evt.num = 1.5', format: '%evt.num'}, {refused: 'filter'})
  await agree(t, {capture: cap, plugins, filter: 'evt.rawtime.ns contains 5', format: '%evt.num'}, {refused: 'filter'})
  // evt.type's values must be event, syscall or tracepoint names ("unknown event type foo")
  for (const filter of ['evt.type = foo', 'evt.type in (open, bar)', 'evt.type != Open', 'evt.type contains pen']) {
    const got = await agree(t, {capture: cap, plugins, filter, format: '%evt.num'}, {refused: 'filter'})
    t.regex(got.message ?? '', /unknown event type/, filter)
  }
})

test('every dummyx3 field type, lists, arguments: in formats (text, JSON, *, %NN) and filters', async (t) => {
  const cap = await cCapture()
  const plugins = C()
  const fields = [
    '%dummyx3.value', '%dummyx3.is_even', '%dummyx3.reltime', '%dummyx3.ts', '%dummyx3.ipv4', '%dummyx3.ipv6',
    '%dummyx3.net4', '%dummyx3.net6', '%dummyx3.digits', '%dummyx3.words', '%dummyx3.repr[hex]',
    "%dummyx3.repr['oct']", '%dummyx3.repr["bin"]', '%dummyx3.repr[dec]', '%dummyx3.digit[0]', '%dummyx3.digit[2]',
    '%dummyx3.mod', '%dummyx3.mod[7]', '%dummyx3.mod[3]', '%dummy.divisible[3]', '%dummy.divisible[0]',
  ]
  const all = fields.join(' ')
  await agree(t, {capture: cap, plugins, format: `*${all}`})
  await agree(t, {capture: cap, plugins, format: `*${all}`, json: true})
  // dummyx3.digit[2] and dummy.divisible[0] have no value for some or all events
  await agree(t, {capture: cap, plugins, format: all}, {lines: 0})
  await agree(t, {capture: cap, plugins, format: '%evt.num %dummyx3.digit[2] %dummyx3.words', json: true})
  await agree(t, {capture: cap, plugins, format: '%evt.num %dummyx3.digit[2] %dummyx3.words'})
  // %NN pads or cuts bytes, <NA> too; a field name runs as far as a field is known
  await agree(t, {capture: cap, plugins, format: '*%5evt.num|%2dummyx3.repr[bin]|%12dummyx3.words|%3dummyx3.digit[2]|%evt.numx %dummy.value.foo %dummy.value[3]'})
  await agree(t, {capture: cap, plugins, format: '*%dummyx3.repr[xyz] %dummyx3.repr'}, {refused: 'format'})
  // a field argument with a blank: libsinsp's plugin check cuts the field there and gives up
  await agree(t, {capture: cap, plugins, format: "*%dummyx3.repr['a b']"}, {refused: 'format'})
  const filters = [
    'dummyx3.is_even = true and dummyx3.value > 100',
    'dummyx3.is_even != true',
    'dummyx3.is_even in (false)',
    'dummyx3.reltime >= 500000 and dummyx3.ts > 0',
    'dummyx3.ipv4 = 10.0.0.9 or dummyx3.ipv4 in (10.0.0.26, 10.0.1.1)',
    'dummyx3.ipv6 = 2001:db8::1e',
    'dummyx3.ipv4 = 10.0.0.0/8',
    'dummyx3.net4 = 10.0.0.0/24',
    'dummyx3.net4 != 10.0.0.0/24',
    'dummyx3.net6 = 2001:db8:0:10::/64',
    'dummyx3.net6 in (2001:db8:0:1a::/64, 2001:db8:0:1e::/64)',
    'dummyx3.net6 = 2001:db8::/0',
    'dummyx3.net4 = 10.0.0.0/288',
    'dummyx3.digits in (1, 0, 6)',
    'dummyx3.digits intersects (7)',
    'dummyx3.digits exists',
    'dummyx3.words intersects (nine, eight)',
    "dummyx3.words in ('one', zero)",
    'dummyx3.digits = 1',
    'dummyx3.repr[hex] startswith 0x1 and dummyx3.repr[oct] endswith 7',
    "dummyx3.repr[bin] = '0b1010' or dummyx3.repr['dec'] = 16",
    'dummyx3.digit[0] = 1 and dummyx3.digit[1] = 0',
    'dummyx3.digit[2] exists',
    'dummyx3.mod = 0 and dummyx3.mod[3] = 1',
    'dummyx3.mod[7] = val(dummyx3.digit[0])',
    'dummyx3.words intersects val(dummyx3.words)',
    'dummy.divisible[3] = 1 and dummy.divisible[2] = 0',
  ]
  for (const filter of filters) await agree(t, {capture: cap, plugins, filter, format: '%evt.num %dummyx3.value'}, 'either')
})

test('filter operators, list modifiers, not/and/or and brackets', async (t) => {
  const cap = await cCapture()
  const plugins = C()
  const filters = [
    'dummy.value = 16', 'dummy.value == 16', 'dummy.value != 16', 'dummy.value < 30', 'dummy.value <= 30',
    'dummy.value > 1700', 'dummy.value >= 1700',
    'dummy.strvalue contains 11', 'dummy.strvalue icontains 11', 'dummy.strvalue startswith 17', 'dummy.strvalue endswith 77',
    'evt.plugininfo icontains SAMPLE', "dummy.strvalue glob '1?7*'", "evt.plugininfo iglob '*SAMPLE*9\"}'",
    "dummy.strvalue regex '1[0-9]+7'", "dummy.strvalue regex '7'",
    'dummy.strvalue in (16, "30", 1777)', 'dummy.strvalue intersects (16, 30)', 'dummy.strvalue pmatch (1, 16)',
    'dummy.value in (16, 30, 1777)', 'dummy.strvalue exists', 'dummy.divisible[0] exists',
    'dummy.strvalue bcontains 31', 'dummy.strvalue bstartswith 31',
    'dummy.strvalue startswith anyof (1, 2)', 'dummy.strvalue endswith allof (7, 77)', 'dummy.strvalue contains oneof (1, 7)',
    'dummy.value = anyof (16, 30)', 'dummy.strvalue = anyof ()',
    'dummy.value < val(dummyx3.value)', 'dummy.value = val(dummyx3.value)', 'dummy.strvalue = val(dummyx3.repr[dec])',
    'not dummy.value > 100', 'not not dummy.value > 100', 'not(dummy.value > 100)',
    'dummy.value > 100 and dummy.value < 200 or dummy.value = 16',
    'dummy.value > 100 and (dummy.value < 200 or dummy.value = 16)',
    '(dummy.value = 16 or dummy.value = 30) and not dummy.strvalue = 30',
    'dummy.value > 100 and(dummy.value < 200)', 'dummy.value < 20 or(dummy.value > 1700)',
    'dummy.value < 20 or(dummy.value > 1700) and dummy.value > 0',
    "dummy.strvalue = \"C:\\\\\"", "dummy.strvalue = '\\x31\\x36'",
    'dummy.value contains 1', 'dummy.value = 0x10', 'dummy.value = abc', "dummy.strvalue regex '('", 'dummy.nope = 1',
    'dummy.value = 16 and', '(dummy.value = 16', 'dummyx3.is_even = yes', 'dummyx3.ipv4 = 10.0.0',
  ]
  for (const filter of filters) await agree(t, {capture: cap, plugins, filter, format: '%evt.num %dummy.strvalue'}, 'either')
})

test('transformers in formats and filters, and the three suspected differences settled', async (t) => {
  const cap = await cCapture()
  const plugins = C()
  await agree(t, {
    capture: cap,
    plugins,
    format: '*%tolower(dummyx3.repr[hex]) %toupper(dummyx3.repr[hex]) %toupper(dummyx3.words) %len(dummyx3.words) %len(dummyx3.digits) %len(dummy.strvalue) %basename(evt.plugininfo) %b64(dummyx3.repr[dec]) %concat(dummy.strvalue, "-", dummyx3.repr[oct]) %join(",", dummyx3.words) %join("", (dummy.strvalue, dummyx3.value, "k")) %3toupper(dummyx3.repr[bin])| %tolower("ABC") %len(("a", dummy.strvalue)) %toupper((dummyx3.words, "x"))',
  })
  await agree(t, {capture: cap, plugins, format: '*%tolower(dummyx3.repr[hex]) %len(dummyx3.words) %join(",", dummyx3.words)', json: true})
  // 1. join()'s separator is any single string, a field's value too
  await agree(t, {capture: cap, plugins, format: '*%join(dummy.strvalue, dummyx3.words) %join(1, dummyx3.words) %join(evt.source, (dummy.strvalue, evt.num, evt.cpu))'})
  // 2. `in`/`intersects` on tolower() & co.: libsinsp compares their raw values, which keep a
  //    NUL, so a transformed list item or right-hand value never equals anything
  for (const filter of ['tolower(dummyx3.words) in (eight, one, zero)', 'tolower(dummyx3.words) intersects (eight)', 'dummy.strvalue in tolower(dummy.strvalue)', 'dummyx3.words in tolower(dummyx3.words)']) {
    await agree(t, {capture: cap, plugins, filter, format: '%evt.num'}, {lines: 0})
  }
  //    ... while a single transformed value, join() and concat() compare as text
  for (const filter of ['tolower(dummy.strvalue) in (8, 9)', "join(',', dummyx3.words) in ('one,zero')", "concat(dummy.strvalue, 'x') in (8x)", 'dummy.strvalue = tolower(dummy.strvalue)']) {
    await agree(t, {capture: cap, plugins, filter, format: '%evt.num'})
  }
  //    and an empty transformed list exists and is in every set
  await agree(t, {capture: cap, plugins, filter: 'b64(()) exists and tolower(()) in (x)', format: '%evt.num'}, {lines: 300})
  // 3. %len(join(...)): the number has the print format of join's result, none: <NA>
  await agree(t, {capture: cap, plugins, format: '*%evt.num %len(join("-", dummyx3.words)) %len(evt.source) %len(concat(dummy.strvalue, "x")) %len("abc")'})
  // filters
  const filters = [
    'tolower(dummyx3.repr[hex]) = 0xa', 'toupper(dummyx3.repr[hex]) startswith 0X1', 'len(dummy.strvalue) = 3',
    'len(dummyx3.words) > 2', 'len(dummyx3.digits) = 1', 'basename(evt.plugininfo) exists', 'b64(dummy.strvalue) exists',
    "concat(dummy.strvalue, '/', dummyx3.repr[oct]) endswith 7", "join('-', dummyx3.words) contains 'one-'",
    'tolower(dummy.strvalue) = val(dummy.strvalue)', 'dummy.strvalue = concat(dummy.strvalue, "")',
    'len(dummy.strvalue) < len(dummyx3.repr[bin])', "len((dummy.strvalue, 'x')) = 2", 'tolower("ABC") = abc',
    'tolower(dummy.value) = 1', 'len(dummy.value) = 1', "concat(dummy.strvalue) = 1", "join(',', dummy.strvalue) = 1",
    'tolower(dummy.strvalue)[x] = 1', "join(',', (dummyx3.is_even, 'x')) = ',x'", "join(',', (dummyx3.is_even, 'x')) = '\\x01,x'",
  ]
  for (const filter of filters) await agree(t, {capture: cap, plugins, filter, format: '%evt.num'}, 'either')
})

test('a plugin with a suggested-output (addOutput) field: sinsp-example appends it, the rest agrees', async (t) => {
  const cap = await cCapture()
  await agree(t, {capture: cap, plugins: [need('libdummy_api3_12.so')], format: '*%evt.num %dummy.strvalue %dummy.divisible[7]'})
  await agree(t, {capture: cap, plugins: [need('libdummy_api3_12.so')], filter: 'dummy.divisible[7] = 1', format: '%evt.num', json: true})
})

test('a syscall capture that starts with state events: consumed unseen, and reltime counts from the first non-meta event', async (t) => {
  // libs/sample.scap: 95 user/group events, then a meta event (reltime = its timestamp), then
  // syscalls; libsinsp's converter merges enter events from evt.num 125 on
  const cap = capture('libs/sample.scap')
  if (!existsSync(cap)) throw new Error(`${cap} is missing`)
  await agree(t, {capture: cap, plugins: [], filter: 'evt.num < 124', format: '*%evt.num %evt.reltime %evt.reltime.s %evt.reltime.ns %evt.is_async %evt.cpu %evt.rawtime %evt.dir'}, {lines: 28})
  await agree(t, {capture: cap, plugins: [], filter: 'evt.num < 124', format: '%evt.num %evt.reltime %evt.is_async', json: true}, {lines: 28})
})

// The captures of ../shared where libsinsp hands out every event as libscap reads it: the
// others hold events libsinsp's event converter merges or drops (old enter events, old container
// events), generic syscall events it names after the syscall, or event types scaptool's table
// names after 2022 (README, `scaptool print`).
for (const rel of ['falco/privileged.scap', 'falco/trace_empty.scap']) {
  test(`syscall capture ${rel}: the evt.* fields scaptool computes without process state`, async (t) => {
    const cap = capture(rel)
    if (!existsSync(cap)) throw new Error(`${cap} is missing`)
    await agree(t, {capture: cap, plugins: [], format: '*%evt.num %evt.time %evt.cpu %evt.dir %evt.type'})
    await agree(t, {capture: cap, plugins: [], format: '*%evt.num %evt.rawtime %evt.reltime %evt.reltime.s %evt.datetime %evt.time.iso8601 %evt.is_async %evt.asynctype %evt.source %evt.hostname'})
    await agree(t, {capture: cap, plugins: [], format: '*%evt.num %evt.cpu %evt.type %evt.reltime', json: true})
    await agree(t, {capture: cap, plugins: [], filter: 'evt.num > 3 and evt.dir = ">" and evt.cpu < 100 and not evt.type = switch', format: '%evt.num %evt.type'})
  })
}

// The Rust SDK fixture (fixtures/plugins/rust: dummy_rs on falco_plugin 0.5.1) against current
// libsinsp: a capture recorded live with scaptool, then printed with every field (several per
// event, arguments of every kind) by scaptool and by sinsp-example; the lines must be identical,
// plain and JSON, with and without filters. libsinsp asks for one field per extract_fields call,
// and so does scaptool: with all fields in one call this SDK returns garbage (see
// native/host/tests/rust_sdk.rs). A missing fixture or oracle fails the test.
import test from 'ava'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, projectRoot, tempDir} from './helpers.js'
import {sinspExample, type OraclePlugin} from './oracle.js'

const LIB = join(projectRoot, 'fixtures', 'plugins', 'build', 'rust', 'libdummy_rs.so')
if (!existsSync(LIB)) throw new Error(`${LIB} is missing: run npm run build:fixtures (make -C fixtures/plugins/rust)`)

const EVENTS = 50
// jitter is the default 10. No comma: sinsp-example's -p is a cxxopts list option, split at
// commas, so a config with one reaches the plugin cut short.
const INIT = '{"seed": 7}'
const PLUGIN: OraclePlugin = {path: LIB, initConfig: INIT}
/** What every C/C++ dummy generates with seed 7 (fixtures/plugins/README.md). */
const SEED7_FIRST20 = [8, 9, 10, 16, 26, 30, 37, 48, 55, 65, 71, 82, 93, 100, 109, 113, 114, 124, 129, 133]

/** At most two CLI runs at a time: the machine is shared. */
let running = 0
const waiting: Array<() => void> = []
async function limited<T>(job: () => Promise<T>): Promise<T> {
  while (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await job()
  } finally {
    running--
    waiting.shift()?.()
  }
}

let recording: Promise<{capture: string; samples: number[]}> | undefined
/** The capture, recorded once, and its samples (dummy_rs.value of the golden file). */
function recorded(): Promise<{capture: string; samples: number[]}> {
  recording ??= (async () => {
    const capture = join(tempDir('scaptool-sdk-rust-'), 'dummy_rs.scap')
    const args = ['record', '-p', LIB, '--init-config', INIT, '--open-params', `{"start": 1, "maxEvents": ${EVENTS}}`, '-o', capture, '-n', String(EVENTS)]
    const r = await limited(() => cli([...args, '--field', 'dummy_rs.divisible[3]', '--field', 'dummy_rs.key[hex]']))
    if (r.status !== 0) throw new Error(`scaptool record exited ${r.status}: ${r.stderr}`)
    const golden = readFileSync(`${capture}.golden`, 'utf8').split('\n')
    const columns = golden.find((l) => l.startsWith('#columns\t'))!.split('\t').slice(1)
    const value = columns.indexOf('dummy_rs.value')
    const samples = golden.filter((l) => /^\d/.test(l)).map((l) => Number(l.split('\t')[value]))
    return {capture, samples}
  })()
  return recording
}

test('record: the dummy samples, with plugin id 11 and every field in the golden file', async (t) => {
  const {capture, samples} = await recorded()
  t.is(samples.length, EVENTS)
  t.deepEqual(samples.slice(0, 20), SEED7_FIRST20, 'the same generator as the C/C++ dummies')
  const golden = readFileSync(`${capture}.golden`, 'utf8').split('\n')
  const columns = golden.find((l) => l.startsWith('#columns\t'))!.split('\t').slice(1)
  t.deepEqual(columns, [
    'evt.num', 'ts', 'plugin_id', 'dummy_rs.value', 'dummy_rs.strvalue', 'dummy_rs.even', 'dummy_rs.mod', 'dummy_rs.reltime',
    'dummy_rs.abstime', 'dummy_rs.ipv4', 'dummy_rs.ipv6', 'dummy_rs.net', 'dummy_rs.digits', 'dummy_rs.words',
    'dummy_rs.divisible[3]', 'dummy_rs.key[hex]',
  ])
  const first = golden.find((l) => l.startsWith('1\t'))!.split('\t')
  const row = Object.fromEntries(columns.map((c, i) => [c, first[i]]))
  t.like(row, {
    plugin_id: '11', 'dummy_rs.value': '8', 'dummy_rs.strvalue': '"8"', 'dummy_rs.even': 'true', 'dummy_rs.mod': '8',
    'dummy_rs.reltime': '8000ns', 'dummy_rs.ipv4': '10.0.0.8', 'dummy_rs.ipv6': '2001:db8::8', 'dummy_rs.net': '192.168.8.0',
    'dummy_rs.digits': '[8]', 'dummy_rs.words': '["eight"]', 'dummy_rs.divisible[3]': '0', 'dummy_rs.key[hex]': '"8"',
  })
  // abstime is the event's ts (RFC 3339 with ns in the golden file)
  const abstime = /^(.*T\d\d:\d\d:\d\d)\.(\d{9})Z$/.exec(row['dummy_rs.abstime'])!
  t.is(BigInt(Date.parse(`${abstime[1]}Z`)) * 1000000n + BigInt(abstime[2]), BigInt(row.ts))
})

interface PrintCase {
  format: string
  filter?: string
  json?: boolean
  /** How many events print, from the samples: a case that prints nothing proves nothing. */
  expect: (samples: number[]) => number
}

const EVERY_FIELD = [
  '%evt.num %dummy_rs.value %dummy_rs.strvalue %dummy_rs.even',
  '%dummy_rs.divisible[3] %dummy_rs.divisible[2] %dummy_rs.divisible[5] %dummy_rs.mod %dummy_rs.mod[7]',
  '%dummy_rs.reltime %dummy_rs.abstime %dummy_rs.ipv4 %dummy_rs.ipv6 %dummy_rs.net %dummy_rs.digits %dummy_rs.words',
  '%dummy_rs.key[dec] %dummy_rs.key[hex] %dummy_rs.key[oct] %dummy_rs.key[bin] %evt.plugininfo %evt.pluginname %evt.source',
].join(' ')
/** Fields without a value: index 0, an unknown key. */
const ABSENT = '%dummy_rs.divisible[0] %dummy_rs.mod[0] %dummy_rs.key[zz]'
const NUM = '%evt.num %dummy_rs.value'
const all = (s: number[]) => s.length
const count = (f: (v: number) => boolean) => (s: number[]) => s.filter(f).length
const digits = (v: number) => String(v).split('').map(Number)

// Formats without a leading `*` only where every field has a value: sinsp-example prints the
// partial line when one has none (it ignores tostring's false), where sysdig and scaptool skip
// the event.
const CASES: PrintCase[] = [
  ...[false, true].flatMap((json) => [
    {format: EVERY_FIELD, json, expect: all},
    {format: `*${EVERY_FIELD} ${ABSENT}`, json, expect: all},
    {format: EVERY_FIELD, filter: 'dummy_rs.divisible[3] = 1', json, expect: count((v) => v % 3 === 0)},
  ]),
  {format: '%10dummy_rs.strvalue|%3dummy_rs.value|%toupper(dummy_rs.key[hex])|%len(dummy_rs.strvalue)|%len(dummy_rs.words)', expect: all},
  {format: NUM, filter: 'dummy_rs.divisible[3] = 1 and dummy_rs.even = true', expect: count((v) => v % 6 === 0)},
  {format: NUM, filter: 'dummy_rs.even = false', json: true, expect: count((v) => v % 2 === 1)},
  {format: NUM, filter: 'dummy_rs.value > 100 and dummy_rs.value <= 200', expect: count((v) => v > 100 && v <= 200)},
  {format: NUM, filter: 'dummy_rs.mod exists and dummy_rs.mod = 0', expect: count((v) => v % 10 === 0)},
  {format: NUM, filter: 'dummy_rs.key[hex] startswith 1 and dummy_rs.mod[7] < 3', expect: count((v) => v.toString(16).startsWith('1') && v % 7 < 3)},
  {format: NUM, filter: 'dummy_rs.key[bin] contains 111 and not dummy_rs.even = true', expect: count((v) => v.toString(2).includes('111') && v % 2 === 1)},
  {format: NUM, filter: 'dummy_rs.reltime > 100000', expect: count((v) => v * 1000 > 100000)},
  {format: NUM, filter: 'dummy_rs.abstime > 0 and dummy_rs.strvalue endswith 5', expect: count((v) => String(v).endsWith('5'))},
  {format: NUM, filter: 'dummy_rs.ipv4 = 10.0.0.10 or dummy_rs.ipv6 = 2001:db8::1a', expect: count((v) => v === 10 || v === 0x1a)},
  {format: NUM, filter: 'dummy_rs.digits intersects (1, 2)', json: true, expect: count((v) => digits(v).some((d) => d === 1 || d === 2))},
  {format: NUM, filter: 'dummy_rs.words in (one, two, eight)', expect: count((v) => digits(v).every((d) => [1, 2, 8].includes(d)))},
  {format: NUM, filter: 'dummy_rs.divisible[0] exists or dummy_rs.key[zz] exists or dummy_rs.value = 8', expect: count((v) => v === 8)},
]

function describe(c: PrintCase): string {
  const format = c.format === EVERY_FIELD ? 'EVERY_FIELD' : c.format.replace(EVERY_FIELD, 'EVERY_FIELD')
  return `${c.json ? '-j ' : ''}-o '${format}'${c.filter ? ` '${c.filter}'` : ''}`
}

/**
 * sinsp-example appends ` name_with_underscores=%name` to every format for each plugin field
 * flagged `addOutput` (dummy_rs.value): scaptool's format gets the same suffix.
 */
let suffix: Promise<string> | undefined
function suggestedSuffix(): Promise<string> {
  suffix ??= (async () => {
    const r = await limited(() => cli(['plugin', 'fields', LIB, '--json']))
    if (r.status !== 0) throw new Error(`scaptool plugin fields exited ${r.status}: ${r.stderr}`)
    const fields = JSON.parse(r.stdout) as Array<{name: string; addOutput: boolean}>
    return fields
      .filter((f) => f.addOutput)
      .map((f) => ` ${f.name.replaceAll('.', '_')}=%${f.name}`)
      .join('')
  })()
  return suffix
}

test('dummy_rs.value is the one suggested output field', async (t) => {
  t.is(await suggestedSuffix(), ' dummy_rs_value=%dummy_rs.value')
})

for (const c of CASES) {
  test(`print ${describe(c)} is sinsp-example's output`, async (t) => {
    const {capture, samples} = await recorded()
    const format = c.format + (await suggestedSuffix())
    const args = ['print', capture, '-p', LIB, '--init-config', INIT, '-o', format, ...(c.json ? ['-j'] : []), ...(c.filter ? [c.filter] : [])]
    const ours = await limited(() => cli(args))
    t.is(ours.status, 0, ours.stderr)
    const oracle = sinspExample(capture, {plugins: [PLUGIN], filter: c.filter, format: c.format, json: c.json})
    t.is(oracle.status, 0, oracle.stderr)
    // sinsp-example reports a filter it cannot compile and then prints every event.
    t.notRegex(oracle.stdout + oracle.stderr, /\[ERROR\]/)
    t.is(oracle.lines.length, c.expect(samples), oracle.stdout)
    t.true(oracle.lines.length > 0, 'a case that prints nothing proves nothing')
    t.deepEqual(ours.stdout.split('\n').filter((l) => l !== ''), oracle.lines)
  })
}

// Filters libsinsp refuses on these field types: scaptool refuses them too (exit 2).
const REFUSED = [
  'dummy_rs.even = 1',
  'dummy_rs.net = 192.168.16.0',
  'dummy_rs.ipv4 in (10.0.0.0/24)',
  'dummy_rs.words contains one',
]

for (const filter of REFUSED) {
  test(`print '${filter}' is refused, as libsinsp refuses it`, async (t) => {
    const {capture} = await recorded()
    const oracle = sinspExample(capture, {plugins: [PLUGIN], filter, format: NUM})
    t.regex(oracle.stderr, /\[ERROR\] Unable to set filter: /)
    const ours = await limited(() => cli(['print', capture, '-p', LIB, '--init-config', INIT, '-o', NUM, filter]))
    t.is(ours.status, 2, ours.stdout)
    t.regex(ours.stderr, /^error: filter:/m)
  })
}

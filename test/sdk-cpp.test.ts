// The official C++ plugin SDK's examples (falcosecurity/plugin-sdk-cpp 744287e, built by
// fixtures/plugins/cpp-sdk-examples) against current libsinsp: a capture recorded live from
// plugin_source, then printed with plugin_extract's field by scaptool and by sinsp-example; the
// lines must be identical, plain and JSON, with and without filters. A missing fixture or oracle
// fails the test.
import test from 'ava'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, projectRoot, tempDir} from './helpers.js'
import {sinspExample} from './oracle.js'

const SDK_BUILD = join(projectRoot, 'fixtures', 'plugins', 'build', 'cpp-sdk')
const EVENTS = 50

function example(name: string): string {
  const lib = join(SDK_BUILD, `lib${name}.so`)
  if (!existsSync(lib)) throw new Error(`${lib} is missing: run npm run build:fixtures (make -C fixtures/plugins/cpp-sdk-examples)`)
  return lib
}

const SOURCE = example('plugin_source')
const EXTRACT = example('plugin_extract')

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

// The example needs no init config; its open params are the event count (default 1000), so
// --max-events ends the recording.
let recording: Promise<string> | undefined
function recorded(): Promise<string> {
  recording ??= (async () => {
    const out = join(tempDir('scaptool-sdk-cpp-'), 'example.scap')
    const r = await limited(() => cli(['record', '-p', SOURCE, '-x', EXTRACT, '-o', out, '-n', String(EVENTS)]))
    if (r.status !== 0) throw new Error(`scaptool record exited ${r.status}: ${r.stderr}`)
    return out
  })()
  return recording
}

test('record: plugin_source events, with plugin_extract\'s example.msg in the golden file', async (t) => {
  const capture = await recorded()
  const golden = readFileSync(`${capture}.golden`, 'utf8').split('\n')
  t.true(golden.includes('#columns\tevt.num\tts\tplugin_id\texample.msg'))
  const rows = golden.filter((l) => /^\d/.test(l)).map((l) => l.split('\t'))
  t.is(rows.length, EVENTS)
  rows.forEach(([num, , id, msg], i) => {
    t.is(num, String(i + 1))
    t.is(id, '999')
    t.is(msg, `"hello world #${i}"`, 'the string ends at the NUL the example writes')
  })
  t.is(golden.at(-2), `#end\t{"events":${EVENTS}}`)
})

test('replay of the recording passes with its golden file', async (t) => {
  const capture = await recorded()
  const r = await limited(() => cli(['replay', capture, '-p', SOURCE, '-p', EXTRACT]))
  t.is(r.status, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /^PASS$/m)
  const j = JSON.parse((await limited(() => cli(['replay', capture, '-p', SOURCE, '-p', EXTRACT, '--json']))).stdout)
  t.true(j.passed)
  t.like(j.columns, [{column: 'example.msg', compared: EVENTS, mismatches: 0, reverseDifferences: 0, shuffleDifferences: 0, values: EVENTS}])
})

interface PrintCase {
  plugins: string[]
  format: string
  filter?: string
  json?: boolean
  /** Lines both must print: a case that prints nothing proves nothing. */
  lines: number
}

const BOTH = [SOURCE, EXTRACT]
const MSG = '%evt.num %example.msg'

// Formats without a leading `*` only where every field has a value: sinsp-example prints the
// partial line when one has none (it ignores tostring's false), where sysdig and scaptool skip
// the event.
const CASES: PrintCase[] = [
  ...[false, true].flatMap((json) => [
    {plugins: BOTH, format: '%evt.num %evt.time %evt.plugininfo %example.msg %evt.pluginname', json, lines: EVENTS},
    {plugins: BOTH, format: '%evt.num %example.msg %evt.source %evt.type %evt.dir %evt.cpu %evt.datetime %evt.rawtime %evt.reltime %evt.time.iso8601 %evt.is_async', json, lines: EVENTS},
    {plugins: BOTH, format: '*%evt.num %example.msg %evt.asynctype %b64(example.msg)', json, lines: EVENTS},
    {plugins: BOTH, format: '%15example.msg|%3evt.num|%evt.rawtime.s %evt.rawtime.ns %evt.reltime.s %evt.reltime.ns %evt.time.s %evt.datetime.s', json, lines: EVENTS},
    {plugins: BOTH, format: '%evt.num %toupper(example.msg) %len(example.msg)', json, lines: EVENTS},
    // No source plugin: the events' plugin id is unknown, so no source, name, info or field.
    {plugins: [EXTRACT], format: '*%evt.num %evt.source %evt.pluginname %evt.plugininfo %example.msg', json, lines: EVENTS},
  ]),
  {plugins: [EXTRACT, SOURCE], format: '%evt.num %example.msg %evt.source %evt.pluginname', lines: EVENTS},
  {plugins: BOTH, format: MSG, filter: 'example.msg contains "#1"', lines: 11},
  {plugins: BOTH, format: MSG, filter: 'example.msg endswith "9" and evt.num > 10', json: true, lines: 4},
  {plugins: BOTH, format: MSG, filter: 'example.msg = "hello world #7"', lines: 1},
  {plugins: BOTH, format: MSG, filter: 'example.msg == "hello world #3" or (example.msg != "hello world #3" and evt.num < 3)', lines: 3},
  {plugins: BOTH, format: MSG, filter: 'example.msg = val(example.msg) and evt.num < 4', lines: 3},
  {plugins: BOTH, format: MSG, filter: 'example.msg in ("hello world #7", "hello world #12")', lines: 2},
  {plugins: BOTH, format: MSG, filter: 'example.msg glob "*#4?"', lines: 10},
  {plugins: BOTH, format: MSG, filter: 'example.msg iglob "HELLO*#3"', lines: 1},
  {plugins: BOTH, format: MSG, filter: 'example.msg icontains "WORLD #3"', lines: 11},
  {plugins: BOTH, format: MSG, filter: 'evt.pluginname = plugin-source-example and example.msg startswith "hello world #2"', lines: 11},
  {plugins: BOTH, format: MSG, filter: 'example.msg pmatch ("hello world #4", "hello world #5")', json: true, lines: 2},
  {plugins: BOTH, format: MSG, filter: 'not example.msg contains "1"', json: true, lines: 36},
  // regex matches the whole string (RE2 full match).
  {plugins: BOTH, format: MSG, filter: 'example.msg regex ".*#[13]"', lines: 2},
  {plugins: BOTH, format: MSG, filter: 'len(example.msg) = 15 and toupper(example.msg) contains "WORLD #4"', lines: 10},
  {plugins: BOTH, format: MSG, filter: 'example.msg exists and evt.source = example and evt.num in (3, 5, 7)', lines: 3},
  {plugins: BOTH, format: MSG, filter: '(example.msg endswith 1 or example.msg endswith 2) and not evt.num > 30', lines: 6},
  {plugins: [EXTRACT], format: '%evt.num', filter: 'not evt.source exists and not example.msg exists', lines: EVENTS},
]

function describe(c: PrintCase): string {
  const who = c.plugins.map((p) => p.replace(/^.*\/lib|\.so$/g, '')).join('+')
  return `${who} ${c.json ? '-j ' : ''}-o '${c.format}'${c.filter ? ` '${c.filter}'` : ''}`
}

for (const c of CASES) {
  test(`print ${describe(c)} is sinsp-example's output`, async (t) => {
    const capture = await recorded()
    const args = ['print', capture, ...c.plugins.flatMap((p) => ['-p', p]), '-o', c.format, ...(c.json ? ['-j'] : []), ...(c.filter ? [c.filter] : [])]
    const ours = await limited(() => cli(args))
    t.is(ours.status, 0, ours.stderr)
    const oracle = sinspExample(capture, {plugins: c.plugins.map((path) => ({path})), filter: c.filter, format: c.format, json: c.json})
    t.is(oracle.status, 0, oracle.stderr)
    // sinsp-example reports a filter it cannot compile and then prints every event.
    t.notRegex(oracle.stdout + oracle.stderr, /\[ERROR\]/)
    t.is(oracle.lines.length, c.lines, oracle.stdout)
    t.deepEqual(ours.stdout.split('\n').filter((l) => l !== ''), oracle.lines)
  })
}

test('the syscall examples load: info without init (their init needs libsinsp\'s state tables)', async (t) => {
  const expected: Record<string, string> = {
    syscall_parse: 'syscall-parse-example',
    syscall_extract: 'syscall-extract-example',
    syscall_subtables: 'syscall-subtables-example',
    syscall_async: 'syscall-async-example',
  }
  for (const [lib, name] of Object.entries(expected)) {
    const r = await limited(() => cli(['plugin', 'info', '--no-init', '--json', example(lib)]))
    t.is(r.status, 0, `${lib}: ${r.stderr}`)
    const info = JSON.parse(r.stdout).info
    t.is(info.name, name)
    t.is(info.requiredApiVersion, '3.12.0')
  }
})

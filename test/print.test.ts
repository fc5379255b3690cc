// scaptool print against the real peer: Debian's sysdig 0.29.3 must print the same lines for the
// same capture, plugins, filter and format (TZ=UTC): the dummy_c capture sysdig wrote, captures
// scaptool recorded with plugins sysdig can host (API 0.2/0.3), and sysdig's own plugin
// captures without plugins. A missing peer or fixture fails the test.
import test from 'ava'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {print} from '../src/index.js'
import {capture, cli, plugin, projectRoot, run, tempDir} from './helpers.js'

const PLUGINS_DIR = join(projectRoot, 'fixtures', 'plugins')
const DUMMY_C_CAPTURE = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
const DUMMY_C_YAML = 'dummy_c/sysdig-plugins.yaml'

function need(file: string): string {
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build (make -C fixtures/plugins)`)
  return file
}

/** sysdig's output (run from fixtures/plugins, where its config's library paths resolve). */
function sysdig(args: string[], tz = 'UTC'): string {
  const env = {...process.env, TZ: tz}
  const r = run('env', [`TZ=${env.TZ}`, 'sysdig', ...args], {cwd: PLUGINS_DIR})
  return r
}

async function scaptool(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await cli(['print', ...args], {cwd: PLUGINS_DIR, env})
  if (r.status !== 0) throw new Error(`scaptool print ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

const FORMATS = [
  '%evt.num %evt.time %evt.time.s %evt.datetime %evt.datetime.s %evt.time.iso8601',
  '%evt.num %evt.rawtime %evt.rawtime.s %evt.rawtime.ns %evt.reltime %evt.reltime.s %evt.reltime.ns',
  '%evt.num [%evt.pluginname] %evt.plugininfo %evt.type %evt.dir %evt.cpu',
  '%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3] %dummyx.double %dummyx.parity',
  '*%evt.num %dummy.divisible[0] %dummy.value',
  '%evt.num %dummy.divisible[0]',
  '%5evt.num|%2dummy.strvalue|%evt.numx %dummy.value.foo',
]

// Operators both sysdig 0.29.3 and scaptool support (0.29.3 has no ==, regex, iglob, bcontains,
// and refuses to mix and/or without brackets).
const FILTERS = [
  'dummy.divisible[3] = 1',
  'evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1',
  'dummy.value != 16',
  'dummy.value <= 30',
  'dummy.value >= 100',
  'dummy.strvalue contains 1',
  'dummy.strvalue icontains 1',
  'dummy.strvalue startswith 1',
  'dummy.strvalue endswith 0',
  "dummy.strvalue glob '1*'",
  'dummy.strvalue in (8, 9, 100)',
  'dummy.value in (8, 9, 100)',
  'dummy.strvalue pmatch (16, 8)',
  'dummy.divisible[0] exists',
  'not dummy.divisible[0] exists',
  'not (dummy.value < 30 or dummy.value > 100)',
  '(evt.num > 2) and (evt.num < 6)',
  'dummyx.parity = odd and dummy.value > 100',
  'evt.pluginname = dummy_c',
  'evt.plugininfo contains 9',
  'evt.rawtime.ns > 775176000',
  'evt.reltime < 3000',
  "evt.time.s glob '*:*'",
]

test('print matches sysdig line for line on the dummy_c capture: default, -p formats, * formats, -j', async (t) => {
  need(DUMMY_C_CAPTURE)
  need(plugin('libdummy_c.so'))
  const base = ['-r', DUMMY_C_CAPTURE]
  const cfg = ['--plugin-config-file', DUMMY_C_YAML]
  t.is(await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML]), sysdig([...cfg, ...base]), 'default format, plugins loaded')
  t.is(await scaptool([DUMMY_C_CAPTURE]), sysdig(base), 'default format, no plugin: [<NA>] <NA>')
  t.is(await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, '-j']), sysdig([...cfg, '-j', ...base]), '-j default format')
  for (const f of FORMATS) {
    t.is(await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, '-o', f]), sysdig([...cfg, ...base, '-p', f]), f)
    t.is(await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, '-j', '-o', f]), sysdig([...cfg, '-j', ...base, '-p', f]), `-j ${f}`)
  }
})

test('print filters agree with sysdig for every operator both support', async (t) => {
  const f = '%evt.num %dummy.value %evt.plugininfo'
  for (const filter of FILTERS) {
    const ours = await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, filter, '-o', f])
    t.is(ours, sysdig(['--plugin-config-file', DUMMY_C_YAML, '-r', DUMMY_C_CAPTURE, '-p', f, filter]), filter)
  }
  // several words are one filter, as sysdig joins them; -n counts events that passed the filter
  const words = await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, '-n', '3', '-o', '%evt.num', 'dummy.divisible[3]', '=', '1'])
  t.is(words, sysdig(['--plugin-config-file', DUMMY_C_YAML, '-r', DUMMY_C_CAPTURE, '-n', '3', '-p', '%evt.num', 'dummy.divisible[3] = 1']))
  t.is(words.trim().split('\n').length, 3)
})

/** Records `n` events with a fixture plugin and returns the capture. */
async function recorded(dir: string, lib: string, n: number): Promise<string> {
  const out = join(dir, `${lib.replace(/\W/g, '_')}.scap`)
  const r = await cli(['record', '-p', need(plugin(lib)), '--open-params', `{"start": 1, "maxEvents": ${n}}`, '-o', out, '--no-golden', '--json'])
  if (r.status !== 0) throw new Error(`record ${lib}: ${r.stdout}${r.stderr}`)
  return out
}

/** A sysdig plugin config for one library (absolute path). */
function sysdigConfig(dir: string, name: string, lib: string): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `plugins:\n  - name: ${name}\n    library_path: ${plugin(lib)}\n    init_config: ''\nload_plugins: [${name}]\n`)
  return file
}

for (const [lib, name] of [
  ['libdummy_api0_3.so', 'dummy_api0_3'],
  ['libdummy_c.so', 'dummy_c'],
  ['go/libdummy_sdk02.so', 'dummy_go_api0'],
] as const) {
  test(`print matches sysdig on a capture scaptool recorded with ${lib}`, async (t) => {
    const dir = tempDir()
    const cap = await recorded(dir, lib, 300)
    const cfg = sysdigConfig(dir, name, lib)
    const theirs = (args: string[]) => sysdig(['--plugin-config-file', cfg, '-r', cap, ...args])
    const ours = (args: string[]) => scaptool([cap, '-p', plugin(lib), ...args])
    t.is(await ours([]), theirs([]), 'default format')
    const f = '%evt.num %evt.time %evt.reltime [%evt.pluginname] %evt.plugininfo %dummy.value %dummy.strvalue %dummy.divisible[7]'
    t.is(await ours(['-o', f]), theirs(['-p', f]))
    t.is(await ours(['-j', '-o', f, 'dummy.divisible[7] = 1']), theirs(['-j', '-p', f, 'dummy.divisible[7] = 1']))
    t.is(await ours(['-o', '%evt.num %dummy.value', 'dummy.value > 500 and not dummy.strvalue endswith 1']), theirs(['-p', '%evt.num %dummy.value', 'dummy.value > 500 and not dummy.strvalue endswith 1']))
    // --timezone names a zone; on a capture recorded now, sysdig's offset-of-today is the event's
    for (const tz of ['Europe/Paris', 'Asia/Kolkata', 'America/New_York']) {
      t.is(await ours(['--timezone', tz, '-o', '%evt.num %evt.time %evt.datetime.s %evt.time.iso8601']), sysdig(['--plugin-config-file', cfg, '-r', cap, '-p', '%evt.num %evt.time %evt.datetime.s %evt.time.iso8601'], tz), tz)
    }
  })
}

for (const rel of ['sysdig-plugin/plugin5.scap', 'sysdig-plugin/plugin3.scap.gz', 'sysdig-plugin/plugin_big.scap', 'sysdig-plugin/resaved.scap']) {
  test(`print matches sysdig without plugins on ${rel}`, async (t) => {
    const cap = need(capture(rel))
    t.is(await scaptool([cap]), sysdig(['-r', cap]))
    t.is(await scaptool([cap, '-j']), sysdig(['-j', '-r', cap]))
    const f = '*%evt.num %evt.datetime %evt.rawtime.s %evt.reltime.ns %evt.type %evt.pluginname'
    t.is(await scaptool([cap, '-o', f, 'evt.num >= 2']), sysdig(['-r', cap, '-p', f, 'evt.num >= 2']))
  })
}

test('a filter that does not parse is a usage error with a caret under the column', async (t) => {
  const r = await cli(['print', DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, 'evt.num > 0 and (dummy.value = 3'], {cwd: PLUGINS_DIR})
  t.is(r.status, 2)
  t.is(r.stderr, "error: filter:1:33: expected ')' to close the '(' at 1:17\n  evt.num > 0 and (dummy.value = 3\n                                  ^\n")
  const op = await cli(['print', DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, 'dummy.value contains 1'], {cwd: PLUGINS_DIR})
  t.is(op.status, 2)
  t.regex(op.stderr, /filter:1:13: 'contains' operator not supported for numeric filters/)
  const fmt = await cli(['print', DUMMY_C_CAPTURE, '-o', '%evt.num %'], {cwd: PLUGINS_DIR})
  t.is(fmt.status, 2)
  t.regex(fmt.stderr, /output:1:10: invalid formatting syntax: formatting cannot end with a %\n {2}%evt\.num %\n {11}\^/)
  const json = await cli(['print', DUMMY_C_CAPTURE, '--json', 'evt.num >'], {cwd: PLUGINS_DIR})
  t.is(json.status, 2)
  t.like(JSON.parse(json.stdout).error, {name: 'FilterError', location: {kind: 'filter', line: 1, col: 10}})
})

test('field transformers in filters and formats, on a real plugin; a type error points at the column', async (t) => {
  // dummy.strvalue of the capture: 8 9 10 16 26 30 37 48 55 65 71 82 93 100 109 113 114 124 129 133
  const out = await scaptool([DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, 'len(dummy.strvalue) = 3 and basename(concat("/x/", dummy.strvalue)) startswith 11', '-o', '%evt.num %len(dummy.strvalue) %concat(dummy.strvalue, "-", toupper(evt.source))'])
  t.is(out, '16 3 113-DUMMY\n17 3 114-DUMMY\n')
  const bad = await cli(['print', DUMMY_C_CAPTURE, '-c', DUMMY_C_YAML, 'evt.num > 1 and tolower(dummy.value) = 1'], {cwd: PLUGINS_DIR})
  t.is(bad.status, 2)
  t.regex(bad.stderr, /^error: filter:1:17: can't apply the 'tolower' transformer to field 'dummy\.value' of type uint64/)
})

test('an unknown field says which plugin to load, or suggests the close name', async (t) => {
  const none = await cli(['print', DUMMY_C_CAPTURE, 'dummy.value > 3'])
  t.is(none.status, 2)
  t.regex(none.stderr, /unknown field 'dummy\.value': no loaded plugin exports it \(no plugin is loaded\); load the plugin that defines 'dummy\.\*' fields with --plugin/)
  const typo = await cli(['print', DUMMY_C_CAPTURE, '-p', plugin('libdummy_c.so'), '-o', '%evt.num %dummy.valeu'])
  t.is(typo.status, 2)
  t.regex(typo.stderr, /unknown field 'dummy\.valeu': did you mean 'dummy\.value'\?/)
  // a field that takes no argument: current libsinsp (print-libsinsp.test.ts) prints the
  // field, then the brackets as text
  const arg = await cli(['print', DUMMY_C_CAPTURE, '-p', plugin('libdummy_c.so'), '-o', '%evt.num %evt.num[2]'])
  t.is(arg.status, 0, arg.stderr)
  t.true(arg.stdout.startsWith('1 1[2]\n'), arg.stdout)
})

test('print: missing capture is an I/O error, --timezone must be a zone', async (t) => {
  t.is((await cli(['print', '/nonexistent.scap'])).status, 5)
  const tz = await cli(['print', DUMMY_C_CAPTURE, '--timezone', 'Mars/Olympus'])
  t.is(tz.status, 2)
  t.regex(tz.stderr, /unknown time zone 'Mars\/Olympus'/)
})

test('the library print() streams one chunk per batch and reports counts', async (t) => {
  const chunks: string[] = []
  const s = await print(
    {capture: DUMMY_C_CAPTURE, plugins: [{path: plugin('libdummy_c.so')}], filter: 'dummy.divisible[2] = 1', format: '%evt.num', batchEvents: 4},
    {onOutput: (c) => void chunks.push(c.text)},
  )
  t.like(s, {events: 20, done: true})
  t.true(chunks.length > 1)
  t.is(chunks.join('').trim().split('\n').length, s.printed)
  t.is(s.matched, s.printed)
})

test('a damaged capture: the events before the fault are printed, then exit 3 with the offset', async (t) => {
  const dir = tempDir()
  const cut = join(dir, 'cut.scap')
  writeFileSync(cut, readFileSync(DUMMY_C_CAPTURE).subarray(0, 900))
  const r = await cli(['print', cut, '-o', '%evt.num'])
  t.is(r.status, 3)
  t.is(r.stdout, Array.from({length: 15}, (_, i) => `${i + 1}\n`).join(''))
  t.regex(r.stderr, /truncated capture: .* at byte offset 868/)
})

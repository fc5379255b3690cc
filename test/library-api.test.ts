// The library API on a par with the CLI: summarizeCapture is what `info --json` prints and fails
// with typed errors, toJson is the CLI's JSON, record() and replay() take a Falco configuration
// (readFalcoConfig's output as it is), and options are refused in their own words before any
// plugin runs. Also the smaller CLI fixes of issue 12 that the library carries (golden file
// names, convert's byte counts, messages).
import test from 'ava'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  PluginError,
  ScapError,
  UsageError,
  bundledPlugin,
  readFalcoConfig,
  record,
  replay,
  summarizeCapture,
  toJson,
  type PluginRun,
  type PluginSpec,
} from '../src/index.js'
import {cli, plugin, projectRoot, tempDir} from './helpers.js'

const CAPTURE = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')

test('summarizeCapture returns what info --json prints: complete, timeRange, bigints as strings', async (t) => {
  const summary = await summarizeCapture(CAPTURE)
  t.true(summary.complete)
  t.is(summary.error, undefined)
  t.is(typeof summary.timeRange?.durationNs, 'bigint')
  t.regex(summary.timeRange!.first, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
  const info = await cli(['info', CAPTURE, '--json'])
  t.is(info.status, 0, info.stderr)
  t.deepEqual(JSON.parse(toJson(summary)), JSON.parse(info.stdout))
})

test('summarizeCapture: a damaged capture is complete: false with a ScapError; an unreadable one rejects, typed', async (t) => {
  const dir = tempDir()
  const cut = join(dir, 'cut.scap')
  const bytes = readFileSync(CAPTURE)
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10))
  const damaged = await summarizeCapture(cut)
  t.false(damaged.complete)
  t.true(damaged.error instanceof ScapError)
  t.is(damaged.error?.code, 'TRUNCATED')
  // "an event block", not "a event block"
  t.regex(damaged.error!.message, /the capture ends inside an event block/)
  const info = await cli(['info', cut, '--json'])
  t.is(info.status, 3)
  t.deepEqual(JSON.parse(toJson(damaged)), JSON.parse(info.stdout))
  const missing = await t.throwsAsync(summarizeCapture(join(dir, 'nope.scap')), {instanceOf: ScapError})
  t.is(missing.code, 'IO')
  await t.throwsAsync(summarizeCapture(dir), {instanceOf: ScapError, message: /Is a directory/})
  await t.throwsAsync(summarizeCapture(42 as unknown as string), {instanceOf: UsageError})
})

test('toJson: bigints as decimal strings, errors as their toJSON', (t) => {
  const big = (1n << 70n) + 1n
  t.is(toJson({ts: big, n: 1}, 0), '{"ts":"1180591620717411303425","n":1}')
  const err = new PluginError('boom', 'dummy', 'plugin_crashed', {evtnum: 7})
  t.deepEqual(JSON.parse(toJson({error: err})).error, {name: 'PluginError', code: 'plugin_crashed', message: 'boom', plugin: 'dummy', evtnum: 7})
  t.deepEqual(JSON.parse(toJson(new Error('plain'))), {name: 'Error', message: 'plain'})
})

test("record() and replay() take a Falco configuration; readFalcoConfig's plugins feed them as they are", async (t) => {
  const dir = tempDir()
  const config = join(dir, 'falco.yaml')
  writeFileSync(config, `plugins:\n  - name: dummy\n    library_path: ${plugin('libdummy_api3.so')}\n    init_config: {jitter: 3}\n    open_params: '{"start": 1, "maxEvents": 50}'\n`)
  const cfg = readFalcoConfig(config)
  const runs: PluginRun[] = cfg.plugins // a PluginSpec is a PluginRun: no renaming
  const spec: PluginSpec = cfg.plugins[0]
  t.is(spec.path, plugin('libdummy_api3.so'))
  const output = join(dir, 'live.scap')
  const recorded = await record({config, output, fields: ['dummy.divisible[3]']})
  t.is(recorded.events, 50)
  t.deepEqual(recorded.columns, ['dummy.value', 'dummy.strvalue', 'dummy.divisible[3]'])
  const fromSpecs = await replay({capture: output, plugins: runs, shuffleSeed: 1})
  t.true(fromSpecs.passed, fromSpecs.failures.join('\n'))
  const fromFile = await replay({capture: output, config: cfg, shuffleSeed: 2}, {isolate: false})
  t.true(fromFile.passed, fromFile.failures.join('\n'))
  t.is(fromFile.golden, `${output}.golden`)
})

test('replay and record options are refused in their own words before any plugin runs', async (t) => {
  const capture = CAPTURE
  const plugins = [{path: plugin('libdummy_c.so')}]
  for (const shuffleSeed of [1.5, -1, Number.NaN, 2 ** 60]) {
    const err = await t.throwsAsync(replay({capture, plugins, shuffleSeed}), {instanceOf: UsageError})
    t.regex(err.message, /^shuffleSeed must be an integer ≥ 0, got /)
    t.notRegex(err.message, /invalid (type|value)|expected u64/)
  }
  await t.throwsAsync(replay({capture}), {instanceOf: UsageError, message: /name the plugins to replay with/})
  await t.throwsAsync(replay({capture, plugins, golden: 'x.golden.xz'}), {instanceOf: UsageError, message: /golden files are plain text, or compressed by their name/})
  await t.throwsAsync(record({plugins, output: join(tempDir(), 'x.scap'), golden: 'x.golden.bz2'}), {instanceOf: UsageError, message: /not \.bz2/})
  await t.throwsAsync(record({plugins, output: join(tempDir(), 'x.scap'), maxEvents: 0}), {instanceOf: UsageError, message: /^maxEvents must be an integer ≥ 1, got 0$/})
})

test('replay --shuffle-seed: a value that is not an integer from 0 to 2^53-1 is a usage error without serde internals', async (t) => {
  for (const seed of ['1.5', '-3', '99999999999999999999', 'abc']) {
    const r = await cli(['replay', CAPTURE, '-p', plugin('libdummy_c.so'), `--shuffle-seed=${seed}`])
    t.is(r.status, 2, `${seed}: ${r.stderr}`)
    t.regex(r.stderr, /--shuffle-seed/)
    t.notRegex(r.stderr, /invalid (type|value)|expected u64|at line \d+ column/)
  }
  const ok = await cli(['replay', CAPTURE, '-p', plugin('libdummy_c.so'), '--shuffle-seed', String(2 ** 53 - 1), '--json'])
  t.is(ok.status, 0, ok.stderr)
  t.is(JSON.parse(ok.stdout).shuffleSeed, 2 ** 53 - 1)
})

test('--golden x.golden.zst / .gz are compressed golden files, read transparently; other compressions are refused', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'x.scap')
  for (const ext of ['zst', 'gz']) {
    const golden = join(dir, `x.scap.golden.${ext}`)
    const r = await cli(['record', '-p', plugin('libdummy_api3.so'), '--open-params', '{"start": 1, "maxEvents": 50}', '-o', cap, '--golden', golden, '--force'])
    t.is(r.status, 0, r.stderr)
    const head = readFileSync(golden).subarray(0, 4)
    t.deepEqual([...head.subarray(0, 2)], ext === 'zst' ? [0x28, 0xb5] : [0x1f, 0x8b])
    const replayed = JSON.parse((await cli(['replay', cap, '-p', plugin('libdummy_api3.so'), '--golden', golden, '--json'])).stdout)
    t.true(replayed.passed)
    t.true(replayed.columns.every((c: {compared: number}) => c.compared === 50))
  }
  // found by default beside the capture when <capture>.golden is absent
  const solo = join(dir, 'solo.scap')
  t.is((await cli(['record', '-p', plugin('libdummy_api3.so'), '-o', solo, '--golden', `${solo}.golden.zst`])).status, 0)
  const j = JSON.parse((await cli(['replay', solo, '-p', plugin('libdummy_api3.so'), '--json'])).stdout)
  t.regex(j.golden, /solo\.scap\.golden\.zst$/)
  t.true(j.passed)
  const r = await cli(['record', '-p', plugin('libdummy_api3.so'), '-o', join(dir, 'y.scap'), '--golden', join(dir, 'y.golden.xz')])
  t.is(r.status, 2)
  t.regex(r.stderr, /golden files are plain text, or compressed by their name: \.zst \(zstd\) or \.gz \(gzip\), not \.xz/)
})

test('record prints the recorded columns once, on the plugin lines', async (t) => {
  const dir = tempDir()
  const r = await cli(['record', '-p', plugin('libdummy_api3.so'), '--open-params', '{"start": 1, "maxEvents": 5}', '-o', join(dir, 'x.scap')])
  t.is(r.status, 0, r.stderr)
  t.is(r.stdout.split('dummy.strvalue').length - 1, 1, r.stdout)
  t.regex(r.stdout, /^golden {3}\S+x\.scap\.golden \(2 columns\)$/m)
})

test('convert --json: bytesWritten is the size on disk, uncompressedBytes the capture before compression', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'c.scap.gz')
  const r = await cli(['convert', CAPTURE, out, '--json'])
  t.is(r.status, 0, r.stderr)
  const result = JSON.parse(r.stdout) as {bytesWritten: number; uncompressedBytes: number}
  t.is(result.bytesWritten, statSync(out).size)
  // every block is copied as it is: uncompressed, the output is the input
  t.is(result.uncompressedBytes, statSync(CAPTURE).size)
  t.true(result.bytesWritten < result.uncompressedBytes)
  const text = await cli(['convert', CAPTURE, join(dir, 'd.scap.gz')])
  t.regex(text.stdout, /\(\d+(\.\d)? (B|KiB) written, \d+(\.\d)? (B|KiB) uncompressed\)$/m)
})

test('the bundled plugin is found in a checkout (the fixture build)', (t) => {
  t.is(bundledPlugin(), plugin('libdummy_api3.so'))
})

// libsinsp's calling convention (one field per extract_fields call) and the batching probe:
// golden values are what libsinsp extracts even from an SDK that shares buffers between the
// fields of one call (plugin-sdk-go 0.6–0.8: one buffer per field id), and replay reports such
// plugins as a warning, or a failure with --strict-batching.
import test from 'ava'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, tempDir} from './helpers.js'

const DIVISORS = [3, 2, 5]
const FIELDS = DIVISORS.flatMap((d) => ['--field', `dummy.divisible[${d}]`])

async function recordDivisible(lib: string, dir: string): Promise<string> {
  const out = join(dir, 'div.scap')
  const r = await cli(['record', '-p', plugin(lib), '--init-config', '{"jitter": 10, "seed": 7}', '--open-params', '{"start": 1, "maxEvents": 200}', '-o', out, ...FIELDS])
  if (r.status !== 0) throw new Error(`record exited ${r.status}: ${r.stdout}${r.stderr}`)
  return out
}

test('the golden file holds the values libsinsp extracts, one field per call, even from the Go SDK', async (t) => {
  const out = await recordDivisible('go/libdummy.so', tempDir())
  const lines = readFileSync(`${out}.golden`, 'utf8').trim().split('\n')
  t.is(lines[2], '#columns\tevt.num\tts\tplugin_id\tdummy.value\tdummy.strvalue\tdummy.divisible[3]\tdummy.divisible[2]\tdummy.divisible[5]')
  const rows = lines.slice(3, -1).map((l) => l.split('\t'))
  t.is(rows.length, 200)
  for (const [num, , , value, , ...divisible] of rows) {
    t.deepEqual(divisible, DIVISORS.map((d) => (Number(value) % d === 0 ? '1' : '0')), `evt.num ${num}`)
  }
})

test('the batching probe reports the Go SDK as a warning; --strict-batching fails; text, JSON and JUnit', async (t) => {
  const dir = tempDir()
  const out = await recordDivisible('go/libdummy.so', dir)
  const lib = plugin('go/libdummy.so')
  const text = await cli(['replay', out, '-p', lib, '--junit', join(dir, 'warn.xml')])
  t.is(text.status, 0, text.stdout + text.stderr)
  t.regex(text.stdout, /batching warning: values change when several fields are requested in one call: allowed by the API, not done by libsinsp today/)
  t.regex(text.stdout, /\n {2}dummy: dummy\.divisible\[3\], dummy\.divisible\[2\] \(\d+ values\)/)
  t.regex(text.stdout, /evt\.num \d+ dummy\.divisible\[3\]: [01] with one field per call, [01] with all fields in one call/)
  t.regex(text.stdout, /\nPASS$/m)
  const warn = readFileSync(join(dir, 'warn.xml'), 'utf8')
  t.regex(warn, /<testcase classname="scaptool\.batching" name="dummy gives the same values with all fields in one extract_fields call" time="[\d.]+"><system-out>warning: values change/)
  t.regex(warn, /failures="0"/)

  const j = JSON.parse((await cli(['replay', out, '-p', lib, '--json'])).stdout)
  t.true(j.passed)
  t.deepEqual(j.batchingProbed, ['dummy'])
  t.is(j.batching.length, 1)
  t.like(j.batching[0], {plugin: 'dummy', columns: ['dummy.divisible[3]', 'dummy.divisible[2]']})
  t.true(j.warnings[0].startsWith('dummy: values change when several fields are requested in one call'))
  const col = (name: string) => j.columns.find((c: {column: string}) => c.column === name)
  t.is(col('dummy.value').batchingDifferences, 0)
  t.is(col('dummy.divisible[5]').batchingDifferences, 0, 'the last argument of the call gets its own value')
  t.true(col('dummy.divisible[3]').batchingDifferences > 0)
  // every value proven against the golden file (one field per call) all the same
  t.true(j.columns.every((c: {mismatches: number; compared: number}) => c.compared === 200 && c.mismatches === 0))
  for (const d of j.batchingDifferences) t.not(d.oneField, d.allFields)

  const strict = await cli(['replay', out, '-p', lib, '--strict-batching', '--junit', join(dir, 'strict.xml')])
  t.is(strict.status, 1, strict.stdout)
  t.regex(strict.stdout, /batching FAILURE: values change/)
  t.regex(strict.stdout, /FAIL\n\s+- dummy: values change when several fields are requested in one call/)
  t.regex(readFileSync(join(dir, 'strict.xml'), 'utf8'), /<testcase classname="scaptool\.batching" name="dummy gives[^"]*" time="[\d.]+"><failure message="values change/)
})

test('a plugin whose values do not depend on batching passes the probe; --no-batching-probe skips it', async (t) => {
  const dir = tempDir()
  const out = await recordDivisible('libdummy_api3.so', dir)
  const j = JSON.parse((await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '--json', '--strict-batching'])).stdout)
  t.true(j.passed, j.failures.join('\n'))
  t.deepEqual(j.batchingProbed, ['dummy_api3'])
  t.deepEqual(j.batching, [])
  const text = await cli(['replay', out, '-p', plugin('libdummy_api3.so')])
  t.regex(text.stdout, /batching probe: no change with all fields in one call \(dummy_api3\)/)
  const skipped = JSON.parse((await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '--json', '--no-batching-probe'])).stdout)
  t.deepEqual(skipped.batchingProbed, [])
  // exclusive flags
  const both = await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '--no-batching-probe', '--strict-batching'])
  t.is(both.status, 2)
})

test('generations whose calls carry one field (0.x) are not probed', async (t) => {
  const dir = tempDir()
  const out = await recordDivisible('libdummy_api0_3.so', dir)
  const j = JSON.parse((await cli(['replay', out, '-p', plugin('libdummy_api0_3.so'), '--json'])).stdout)
  t.true(j.passed)
  t.deepEqual(j.batchingProbed, [])
})

test('a plugin that crashes with all fields in one call (Rust SDK falco_plugin 0.5.1) is a probe finding, not a failed replay', async (t) => {
  const dir = tempDir()
  const lib = plugin('rust/libdummy_rs.so')
  const out = join(dir, 'rs.scap')
  const rec = await cli(['record', '-p', lib, '--init-config', '{"seed": 7}', '--field', 'dummy_rs.divisible[3]', '-o', out])
  t.is(rec.status, 0, rec.stderr)
  const r = await cli(['replay', out, '-p', lib])
  t.is(r.status, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /dummy_rs: fails with all fields in one call: plugin 'dummy_rs' crashed the plugin host \(signal SIGSEGV\) during extract/)
  t.regex(r.stdout, /\nPASS$/m)
  t.notRegex(r.stderr, /fatal SIGSEGV/, 'the probe process crash is reported once, as a finding')
  const strict = JSON.parse((await cli(['replay', out, '-p', lib, '--strict-batching', '--json'])).stdout)
  t.false(strict.passed)
  t.is(strict.batching[0].plugin, 'dummy_rs')
  t.regex(strict.batching[0].failure, /crashed the plugin host/)
  // every value of the replay itself is proven
  t.true(strict.columns.every((c: {compared: number; mismatches: number}) => c.compared === 20 && c.mismatches === 0))
})

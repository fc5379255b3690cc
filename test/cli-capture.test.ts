// The capture commands as users run them: the compiled CLI in a child process.
import test from 'ava'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {capture, cli, tempDir} from './helpers.js'

test('info describes a plugin capture', async (t) => {
  const r = await cli(['info', capture('sysdig-plugin/plugin5.scap')])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /events\s+5 \(evt\.num 1\.\.5\)/)
  t.regex(r.stdout, /322\s+pluginevent>\s+5/)
  t.regex(r.stdout, /plugin events by plugin id\n\s+999\s+5/)
  t.regex(r.stdout, /time range\s+2020-09-13T12:26:40\.000000000Z \.\. 2020-09-13T12:26:40\.000004000Z/)
  t.regex(r.stdout, /status\s+complete/)
})

test('info --json has the documented shape', async (t) => {
  const r = await cli(['info', '--json', capture('sysdig-plugin/plugin3.scap.gz')])
  t.is(r.status, 0, r.stderr)
  const j = JSON.parse(r.stdout)
  t.is(j.compression, 'gzip')
  t.is(j.events, 3)
  t.is(j.complete, true)
  t.deepEqual(j.eventsByPlugin, [{pluginId: 999, count: 3}])
  t.is(typeof j.firstTs, 'string')
  t.is(j.sections.length, 1)
  t.deepEqual(Object.keys(j.timeRange), ['first', 'last', 'durationNs'])
})

test('info on a truncated capture reports the fault and exits 3', async (t) => {
  const dir = tempDir()
  const cut = join(dir, 'cut.scap')
  writeFileSync(cut, readFileSync(capture('sysdig-plugin/plugin5.scap')).subarray(0, 28 + 2 * 60 + 5))
  const r = await cli(['info', cut])
  t.is(r.status, 3)
  t.regex(r.stdout, /events\s+2 /)
  t.regex(r.stdout, /DAMAGED: TRUNCATED at byte offset 148/)
  const j = JSON.parse((await cli(['info', '--json', cut])).stdout)
  t.is(j.complete, false)
  t.is(j.error.code, 'TRUNCATED')
  t.is(j.error.offset, 148)
  t.is(j.error.fileName, cut)
})

test('info on a missing file exits 5, on a non-capture 3, without arguments 2', async (t) => {
  const missing = await cli(['info', '/nonexistent.scap'])
  t.is(missing.status, 5)
  t.regex(missing.stderr, /\/nonexistent\.scap: No such file/)
  const dir = tempDir()
  const junk = join(dir, 'junk.scap')
  writeFileSync(junk, 'not a capture, just text that is long enough')
  const r = await cli(['info', junk])
  t.is(r.status, 3)
  t.regex(r.stdout, /NOT_A_CAPTURE/)
  t.is((await cli(['info'])).status, 2)
  const j = await cli(['info', '--json', '/nonexistent.scap'])
  t.is(j.status, 5)
  t.is(JSON.parse(j.stdout).error.code, 'IO')
})

test('convert changes compression and keeps every block', async (t) => {
  const dir = tempDir()
  const zst = join(dir, 'sample.scap.zst')
  const back = join(dir, 'sample.scap')
  let r = await cli(['convert', capture('libs/sample.scap'), zst])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /converted 572 events \(\d+ blocks\) from none to zstd/)
  r = await cli(['convert', zst, back, '--json'])
  t.is(r.status, 0, r.stderr)
  t.like(JSON.parse(r.stdout), {inputCompression: 'zstd', outputCompression: 'none', events: 572})
  t.deepEqual(readFileSync(back), readFileSync(capture('libs/sample.scap')))
})

test('convert of a damaged input keeps everything before the fault and exits 3', async (t) => {
  const dir = tempDir()
  const cut = join(dir, 'cut.scap')
  writeFileSync(cut, readFileSync(capture('sysdig-plugin/plugin5.scap')).subarray(0, 28 + 3 * 60 + 7))
  const out = join(dir, 'out.scap.gz')
  const r = await cli(['convert', cut, out])
  t.is(r.status, 3)
  t.regex(r.stdout, /converted 3 events/)
  t.regex(r.stdout, /input is damaged: .*truncated/)
  t.is(JSON.parse((await cli(['info', '--json', out])).stdout).events, 3)
})

test('convert refuses to overwrite its input', async (t) => {
  const dir = tempDir()
  const f = join(dir, 'x.scap')
  writeFileSync(f, readFileSync(capture('sysdig-plugin/plugin5.scap')))
  const r = await cli(['convert', f, f])
  t.is(r.status, 2) // a usage error: another output path is needed
  t.regex(r.stderr, /refusing to overwrite/)
  t.deepEqual(readFileSync(f), readFileSync(capture('sysdig-plugin/plugin5.scap')))
})

for (const cmd of ['info', 'convert']) {
  test(`${cmd} --help shows examples and exit codes`, async (t) => {
    const r = await cli([cmd, '--help'])
    t.is(r.status, 0)
    t.regex(r.stdout, /EXAMPLES/)
    t.regex(r.stdout, /EXIT CODES/)
    t.regex(r.stdout, /--json/)
  })
}

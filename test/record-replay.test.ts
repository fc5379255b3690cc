// record and replay through the CLI: golden values from the live run, replays that prove them
// across plugin API generations, history-dependent fields caught, semver verdicts on upgrades,
// and misbehaving plugins reported as the plugin's fault.
import test from 'ava'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, run, tempDir} from './helpers.js'

const SEEDED = '{"jitter": 10, "seed": 7}'

async function recordWith(lib: string, out: string, extra: string[] = [], params = '{"start": 1, "maxEvents": 300}') {
  const r = await cli(['record', '-p', plugin(lib), '--init-config', SEEDED, '--open-params', params, '-o', out, '--json', ...extra])
  if (r.status !== 0) throw new Error(`record ${lib} exited ${r.status}: ${r.stdout}${r.stderr}`)
  return JSON.parse(r.stdout)
}

test('record writes a capture and a golden file with every applicable field', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'dummy.scap')
  const s = await recordWith('go/libdummy.so', out, ['--field', 'dummy.divisible[3]'])
  t.is(s.events, 300)
  t.is(s.golden, `${out}.golden`)
  t.deepEqual(s.columns, ['dummy.value', 'dummy.strvalue', 'dummy.divisible[3]'])
  t.deepEqual(s.plugins[0].skippedFields, [])
  const lines = readFileSync(`${out}.golden`, 'utf8').trim().split('\n')
  t.regex(lines[0], /^# scaptool golden file, format 1/)
  const header = JSON.parse(lines[1].split('\t')[1])
  t.like(header, {name: 'dummy', requiredApiVersion: '3.11.0', generation: '3.x', id: 3, eventSource: 'dummy', library: 'libdummy.so', role: 'source'})
  t.regex(header.configSha256, /^[0-9a-f]{64}$/)
  t.is(lines[2], '#columns\tevt.num\tts\tplugin_id\tdummy.value\tdummy.strvalue\tdummy.divisible[3]')
  const rows = lines.slice(3, -1).map((l) => l.split('\t'))
  t.is(rows.length, 300)
  for (const [num, , id, value, str, div3] of rows) {
    t.is(id, '3')
    t.is(str, `"${value}"`)
    t.is(div3, Number(value) % 3 === 0 ? '1' : '0', `evt.num ${num}`)
  }
  t.is(lines.at(-1), '#end\t{"events":300}')
  // The capture holds the same events (info agrees), plugin id 3.
  const info = JSON.parse((await cli(['info', '--json', out])).stdout)
  t.is(info.events, 300)
  t.deepEqual(info.eventsByPlugin, [{pluginId: 3, count: 300}])
})

test('a field that requires an argument is not recorded unless named, and says so', async (t) => {
  const dir = tempDir()
  const r = await cli(['record', '-p', plugin('go/libdummy.so'), '-o', join(dir, 'x.scap'), '-n', '5'])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /not recorded: dummy\.divisible needs an argument \(use --field 'dummy\.divisible\[\.\.\.\]'\)/)
  t.regex(r.stdout, /ended by max-events/)
})

test('record then replay passes, in text, JSON and JUnit', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'd.scap.gz')
  await recordWith('go/libdummy.so', out, ['--field', 'dummy.divisible[3]'])
  const r = await cli(['replay', out, '-p', plugin('go/libdummy.so'), '--shuffle-seed', '11', '--junit', join(dir, 'junit.xml')])
  t.is(r.status, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /replayed .*d\.scap\.gz: 300 events with dummy 0\.1\.0 \(API 3\.x\)/)
  t.regex(r.stdout, /orders\s+forward, reverse, shuffled \(seed 11\)/)
  t.regex(r.stdout, /dummy\.divisible\[3\]\s+dummy\s+300\s+0\s+-/)
  t.regex(r.stdout, /\nPASS$/m)
  const j = JSON.parse((await cli(['replay', out, '-p', plugin('go/libdummy.so'), '--json'])).stdout)
  t.true(j.passed)
  t.is(j.events, 300)
  t.deepEqual(j.failures, [])
  t.is(j.columns.length, 3)
  const xml = readFileSync(join(dir, 'junit.xml'), 'utf8')
  // 3 columns and the batching probe of the plugin
  t.regex(xml, /<testsuites name="scaptool replay" tests="4" failures="0" errors="0"/)
})

// A capture recorded with one API generation replays with builds of the others.
const CROSS: Array<[string, string[]]> = [
  ['libdummy_api0_3.so', ['libdummy_seed.so', 'libdummy_api0_1.so', 'libdummy_api0_2.so', 'libdummy_api1.so', 'libdummy_api2.so', 'libdummy_api3.so', 'libdummy_api3_12.so']],
  ['libdummy_api3_12.so', ['libdummy_api0_3.so', 'go/libdummy.so', 'go/libdummy_sdk06.so', 'go/libdummy_sdk05.so', 'go/libdummy_sdk02.so']],
]

for (const [recordedWith, replayers] of CROSS) {
  test(`a capture recorded with ${recordedWith} replays with every other generation`, async (t) => {
    const dir = tempDir()
    const out = join(dir, 'x.scap')
    await recordWith(recordedWith, out, ['--field', 'dummy.divisible[3]'])
    for (const lib of replayers) {
      const r = await cli(['replay', out, '-p', plugin(lib), '--json'])
      const j = JSON.parse(r.stdout)
      t.is(r.status, 0, `${lib}: ${j.failures}`)
      t.true(j.columns.every((c: {compared: number; mismatches: number}) => c.compared === 300 && c.mismatches === 0), lib)
    }
  })
}

test('a history-dependent field (the guide\'s max_sample) is caught and fails the replay', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'max.scap')
  await recordWith('go/libdummy_maxsample.so', out)
  const r = await cli(['replay', out, '-p', plugin('go/libdummy_maxsample.so'), '--shuffle-seed', '3'])
  t.is(r.status, 1, r.stdout)
  t.regex(r.stdout, /history-dependent fields: dummy\.max_sample/)
  t.regex(r.stdout, /FAIL\n\s+- dummy\.max_sample: depends on history/)
  const j = JSON.parse((await cli(['replay', out, '-p', plugin('go/libdummy_maxsample.so'), '--json', '--shuffle-seed', '3'])).stdout)
  t.deepEqual(j.historyDependent, ['dummy.max_sample'])
  t.true(j.orderDifferences.length > 0)
  // The honest fields of the same plugin are fine.
  t.is(j.columns.find((c: {column: string}) => c.column === 'dummy.value').reverseDifferences, 0)
})

test('a plugin whose extraction changed values is caught as mismatches', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'v.scap')
  await recordWith('libdummy_api3.so', out, ['-x', plugin('libdummyx3_1_0_0.so')])
  // A golden file whose dummy.value of evt.num 3 differs from what the plugin extracts.
  const golden = readFileSync(`${out}.golden`, 'utf8').split('\n')
  const row = golden.findIndex((l) => l.startsWith('3\t'))
  const cells = golden[row].split('\t')
  cells[3] = String(Number(cells[3]) + 1)
  golden[row] = cells.join('\t')
  const tampered = join(dir, 'tampered.golden')
  const {writeFileSync} = await import('node:fs')
  writeFileSync(tampered, golden.join('\n'))
  const r = await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '-p', plugin('libdummyx3_1_0_0.so'), '--golden', tampered])
  t.is(r.status, 1, r.stdout + r.stderr)
  t.regex(r.stdout, /mismatches \(1 of 1 shown\)\n\s+evt\.num 3 dummy\.value: expected (\d+), got (\d+)/)
  t.regex(r.stdout, /FAIL\n\s+- dummy\.value: 1 of 300 values differ from the live run/)
})

// Semver verdicts: record with dummyx3 1.0.0, replay with its other versions.
const UPGRADES: Array<[string, number, RegExp]> = [
  ['libdummyx3_1_1_0.so', 0, /1\.0\.0 → 1\.1\.0 is a minor bump; added dummyx3\.hex: needs at least minor → honest/],
  ['libdummyx3_1_0_1.so', 1, /1\.0\.0 → 1\.0\.1 is only a patch bump, but it added dummyx3\.hex: that needs a minor bump → DISHONEST/],
  ['libdummyx3_2_0_0.so', 0, /1\.0\.0 → 2\.0\.0 is a major bump; changed dummyx3\.value \(uint64, arg none → string, arg none\)/],
  ['libdummyx3_1_0_2.so', 1, /is only a patch bump, but it changed the values of dummyx3\.reltime: that needs a major bump → DISHONEST/],
  ['libdummyx3_1_1_1.so', 1, /is only a minor bump, but it removed dummyx3\.words.*that needs a major bump → DISHONEST/],
]

for (const [lib, status, verdict] of UPGRADES) {
  test(`replaying a dummyx3 1.0.0 capture with ${lib} judges the version bump`, async (t) => {
    const dir = tempDir()
    const out = join(dir, 'x.scap')
    await recordWith('libdummy_api3.so', out, ['-x', plugin('libdummyx3_1_0_0.so')])
    const r = await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '-p', plugin(lib)])
    t.is(r.status, status, r.stdout + r.stderr)
    t.regex(r.stdout, verdict)
  })
}

test('without a golden file replay still extracts; --update writes one, atomically', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'sysdig.scap')
  // A capture written by Debian's sysdig with the project's dummy_c (plugin id 4).
  const fixtureCapture = join(dir, '..', 'copy.scap')
  void fixtureCapture
  const src = join(process.cwd(), 'fixtures', 'captures', 'dummy_c-sysdig.scap')
  const {copyFileSync} = await import('node:fs')
  copyFileSync(src, out)
  let r = await cli(['replay', out, '-p', plugin('libdummy_c.so'), '--field', 'dummy.divisible[3]'])
  t.is(r.status, 0, r.stdout + r.stderr)
  t.regex(r.stdout, /golden\s+none: nothing to compare/)
  r = await cli(['replay', out, '-p', plugin('libdummy_c.so'), '--field', 'dummy.divisible[3]', '--update'])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /golden\s+written: .*sysdig\.scap\.golden/)
  t.deepEqual(readdirSync(dir).sort(), ['sysdig.scap', 'sysdig.scap.golden'])
  r = await cli(['replay', out, '-p', plugin('libdummy_c.so')])
  t.is(r.status, 0, r.stdout)
  t.regex(r.stdout, /dummy\.divisible\[3\]\s+dummy_c\s+20\s+0/)
})

test('Debian sysdig runs dummy_c live and prints the field values scaptool extracts from its capture', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'live.scap')
  const cwd = join(process.cwd(), 'fixtures', 'plugins')
  run('sysdig', ['--plugin-config-file', 'dummy_c/sysdig-plugins.yaml', '-w', out], {cwd})
  const theirs = run('sysdig', ['--plugin-config-file', 'dummy_c/sysdig-plugins.yaml', '-r', out, '-p', '%evt.num %dummy.value %dummy.strvalue %dummy.divisible[3]'], {cwd})
    .trim()
    .split('\n')
  t.is(theirs.length, 20)
  const r = await cli(['replay', out, '-p', plugin('libdummy_c.so'), '--field', 'dummy.divisible[3]', '--update'])
  t.is(r.status, 0, r.stderr)
  const ours = readFileSync(`${out}.golden`, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#'))
  // golden columns: evt.num ts plugin_id dummy.value dummy.strvalue dummy.divisible[3]
  t.deepEqual(ours.map((l) => {
    const [num, , , value, str, div] = l.split('\t')
    return `${num} ${value} ${JSON.parse(str)} ${div}`
  }), theirs)
})

test('Debian sysdig reads a capture scaptool recorded and prints the golden values', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'rec.scap')
  await recordWith('libdummy_api0_3.so', out, ['--field', 'dummy.divisible[3]'], '{"start": 1, "maxEvents": 50}')
  const yaml = join(dir, 'plugins.yaml')
  const {writeFileSync} = await import('node:fs')
  writeFileSync(yaml, `plugins:\n  - name: dummy_api0_3\n    library_path: ${plugin('libdummy_api0_3.so')}\n    init_config: ''\nload_plugins: [dummy_api0_3]\n`)
  const theirs = run('sysdig', ['--plugin-config-file', yaml, '-r', out, '-p', '%evt.num %evt.rawtime %dummy.value %dummy.divisible[3]']).trim().split('\n')
  const ours = readFileSync(`${out}.golden`, 'utf8').trim().split('\n').filter((l) => !l.startsWith('#')).map((l) => {
    const [num, ts, , value, , div] = l.split('\t')
    return `${num} ${ts} ${value} ${div}`
  })
  t.is(ours.length, 50)
  t.deepEqual(theirs, ours)
})

test('record from a Falco-style config file sorts sources and extractors by capability', async (t) => {
  const dir = tempDir()
  const yaml = join(dir, 'falco.yaml')
  const {writeFileSync} = await import('node:fs')
  writeFileSync(
    yaml,
    [
      'plugins:',
      '  - name: dummy_api3',
      `    library_path: ${plugin('libdummy_api3.so')}`,
      '    init_config:',
      '      seed: 7',
      "    open_params: '{\"maxEvents\": 40}'",
      '  - name: dummyx_api0_3',
      `    library_path: ${plugin('libdummyx_api0_3.so')}`,
      '  - name: unused',
      '    library_path: /nonexistent.so',
      'load_plugins: [dummy_api3, dummyx_api0_3]',
      '',
    ].join('\n'),
  )
  const out = join(dir, 'c.scap')
  const r = await cli(['record', '-c', yaml, '-o', out, '--json'])
  t.is(r.status, 0, r.stdout + r.stderr)
  const s = JSON.parse(r.stdout)
  t.deepEqual(s.plugins.map((p: {name: string; role: string}) => `${p.name}:${p.role}`), ['dummy_api3:source', 'dummyx_api0_3:extractor'])
  t.true(s.columns.includes('dummyx.double'))
  const rep = await cli(['replay', out, '-c', yaml])
  t.is(rep.status, 0, rep.stdout)
})

test('misbehaving source plugins are reported as the plugin\'s fault (exit 4) with their own text', async (t) => {
  const dir = tempDir()
  const cases: Array<[string, string, RegExp]> = [
    ['libbad_zero_events.so', '{"after": 3}', /bad_zero_events.*0 events with SUCCESS/],
    ['libbad_open_fail.so', '', /bad_open_fail: open refused on purpose/],
    ['libbad_init_fail.so', '', /bad_init_fail: init refused on purpose/],
    ['libbad_next_fail.so', '{"fail_after": 5}', /bad_next_fail: failing on purpose after 5 events/],
    ['libbad_malformed_event.so', '{"mode": "wrong_type", "at": 2}', /malformed/],
  ]
  for (const [lib, config, message] of cases) {
    const out = join(dir, `${lib}.scap`)
    const r = await cli(['record', '-p', plugin(lib), '--init-config', config, '-o', out, '--json'])
    t.is(r.status, 4, `${lib}: ${r.stdout}`)
    const e = JSON.parse(r.stdout).error
    t.is(e.name, 'PluginError', lib)
    t.regex(e.message, message, lib)
  }
})

test('a source that answers TIMEOUT is waited out; payloads over 64 KiB are recorded whole', async (t) => {
  const dir = tempDir()
  let r = await cli(['record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "alternate"}', '--open-params', '{"maxEvents": 10}', '-o', join(dir, 't.scap'), '--json'])
  t.is(r.status, 0, r.stdout + r.stderr)
  const s = JSON.parse(r.stdout)
  t.is(s.events, 10)
  t.true(s.progress.timeouts >= 10)
  // TIMEOUT until --duration: 0 events, exit 1, nothing written (test/output-safety.test.ts)
  r = await cli(['record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "always"}', '-d', '2s', '-o', join(dir, 'a.scap'), '--json'])
  t.is(r.status, 1, r.stdout + r.stderr)
  t.like(JSON.parse(r.stdout), {events: 0, written: false, progress: {reason: 'duration'}})
  r = await cli(['record', '-p', plugin('libbad_big_payload.so'), '--open-params', '{"maxEvents": 5}', '-o', join(dir, 'big.scap'), '--json'])
  t.is(r.status, 0, r.stdout + r.stderr)
  const info = JSON.parse((await cli(['info', '--json', join(dir, 'big.scap')])).stdout)
  t.is(info.events, 5)
  t.deepEqual(info.blocks.map((b: {name: string}) => b.name), ['EV_V2_LARGE', 'SHB'])
  t.true(info.bytesRead > 5 * 70_000)
})

test('a plugin crashing in extract during replay is reported with its event and field; scaptool survives', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'x.scap')
  await recordWith('libdummy_api3.so', out, ['--no-golden'], '{"start": 1, "maxEvents": 40}')
  const r = await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '-p', plugin('libbad_crash_extract.so'), '--init-config', '', '--init-config', '{"crash_at": 17}'])
  t.is(r.status, 4, r.stdout + r.stderr)
  t.regex(r.stderr, /plugin 'bad_crash_extract' crashed the plugin host \(signal SIGSEGV\) during extract at evt\.num 17, extracting crash\.value/)
})

test('a crash while recording keeps a readable capture and leaves no golden file', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'c.scap')
  const r = await cli(['record', '-p', plugin('libdummy_api3.so'), '-x', plugin('libbad_crash_extract.so'), '--extractor-config', '{"crash_at": 5}', '-o', out])
  t.is(r.status, 4)
  t.regex(r.stderr, /during extract at evt\.num 5/)
  const kept = Number(/the capture keeps (\d+) complete events/.exec(r.stderr)?.[1])
  // the batch holding event 5 was written before its extraction crashed: the crash handler
  // writes out what the flusher had not yet (the plugin host died before its next write)
  t.true(kept >= 5, r.stderr)
  t.deepEqual(readdirSync(dir), ['c.scap'], 'no golden file, no temporary left behind')
  const info = await cli(['info', out, '--json'])
  t.is(info.status, 0)
  t.is(JSON.parse(info.stdout).events, kept)
})

test('Ctrl-C stops a recording cleanly and keeps a capture and golden file that replay', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'long.scap')
  let pid = 0
  const pending = cli(['record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "alternate"}', '--open-params', '{"maxEvents": 100000}', '-o', out, '--json'], {onSpawn: (p) => (pid = p)})
  // Let it record a while (until events reach the file), then interrupt it as a terminal
  // would (the whole process group gets SIGINT; here the CLI and, through it, its host).
  const {statSync} = await import('node:fs')
  for (let i = 0; i < 300 && !(existsSync(out) && statSync(out).size > 28 + 60 * 20); i++) await new Promise((r) => setTimeout(r, 50))
  process.kill(pid, 'SIGINT')
  const r = await pending
  t.is(r.status, 0, r.stdout + r.stderr)
  const s = JSON.parse(r.stdout)
  t.is(s.progress.reason, 'stopped')
  t.true(s.events > 0)
  t.true(existsSync(`${out}.golden`))
  const rep = await cli(['replay', out, '-p', plugin('libbad_timeout.so'), '--json'])
  t.is(rep.status, 0, rep.stdout)
  t.is(JSON.parse(rep.stdout).events, s.events)
})

test('usage errors exit 2 with a clear reason', async (t) => {
  let r = await cli(['record', '-o', '/tmp/x.scap'])
  t.is(r.status, 2)
  t.regex(r.stderr, /name at least one source plugin/)
  r = await cli(['record', '-p', plugin('go/libdummy.so'), '--field', 'dummy.nosuch', '-o', join(tempDir(), 'x.scap')])
  t.is(r.status, 2, r.stderr)
  t.regex(r.stderr, /--field 'dummy\.nosuch'/)
  r = await cli(['replay', '/tmp/x.scap'])
  t.is(r.status, 2)
  r = await cli(['record', '-p', plugin('go/libdummy.so'), '-o', '/tmp/y.scap', '--duration', 'soon'])
  t.is(r.status, 2)
  t.regex(r.stderr, /--duration "soon"/)
})

test('replay of a truncated capture or a foreign golden file exits 3', async (t) => {
  const dir = tempDir()
  const a = join(dir, 'a.scap')
  const b = join(dir, 'b.scap')
  await recordWith('libdummy_api3.so', a, [], '{"maxEvents": 30}')
  await recordWith('libdummy_api3.so', b, [], '{"maxEvents": 31}')
  let r = await cli(['replay', b, '-p', plugin('libdummy_api3.so'), '--golden', `${a}.golden`])
  t.is(r.status, 3, r.stdout + r.stderr)
  t.regex(r.stderr, /belongs to another capture/)
  const {readFileSync: rf, writeFileSync} = await import('node:fs')
  const bytes = rf(a)
  writeFileSync(a, bytes.subarray(0, bytes.length - 7))
  r = await cli(['replay', a, '-p', plugin('libdummy_api3.so')])
  t.is(r.status, 3, r.stdout + r.stderr)
  t.regex(r.stderr, /truncated/)
})

for (const cmd of ['record', 'replay']) {
  test(`${cmd} --help shows examples and exit codes`, async (t) => {
    const r = await cli([cmd, '--help'])
    t.is(r.status, 0)
    t.regex(r.stdout, /EXAMPLES/)
    t.regex(r.stdout, /EXIT CODES/)
  })
}

// CI reports: every JUnit file scaptool writes is valid against the Surefire/Jenkins schema
// (../shared/reference/junit-10.xsd, checked with xmllint, Debian's libxml2-utils): replay
// passing and failing, the batching warning, rules mode with expected alerts, diff, and the
// report of a run that ended with exit 3, 4 or 5 (which replaces a stale report). The Markdown
// step summaries carry the table, the first mismatches and the verdicts.
import test from 'ava'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {cli, plugin, projectRoot, run, tempDir} from './helpers.js'

const SCHEMA = resolve(projectRoot, '..', 'shared', 'reference', 'junit-10.xsd')
const CAPTURE = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
const RULES = join(projectRoot, 'fixtures', 'rules', 'dummy_rules.yaml')
const DUMMY_C = plugin('libdummy_c.so')
const DUMMY_C_CONFIG = '{"jitter": 10, "seed": 7}'
const dir = tempDir()

/**
 * The schema as Surefire, Jenkins and every JUnit reader spell a test error: pytest's copy of
 * junit-10.xsd names the element `errors` (`<xs:element name="errors">`), while Surefire's own
 * XSD, the upstream Jenkins xunit schema and the readers (Jenkins, GitLab, GitHub reporters) use
 * `<error>`. scaptool writes `<error>`; reports with one are validated against the reference
 * schema with that one name corrected, every other rule unchanged.
 */
function errorSchema(): string {
  const text = readFileSync(SCHEMA, 'utf8')
  const fixed = text.replace('<xs:element name="errors">', '<xs:element name="error">').replace('<xs:element ref="errors"/>', '<xs:element ref="error"/>')
  if (fixed === text) throw new Error('junit-10.xsd changed: the errors element is not where it was')
  const file = join(dir, 'junit-10-error.xsd')
  writeFileSync(file, fixed)
  return file
}

/** Validates with xmllint; returns its complaints ('' when valid). */
function validate(file: string, schema = SCHEMA): string {
  try {
    run('xmllint', ['--noout', '--schema', schema, file])
    return ''
  } catch (err) {
    return (err as Error).message
  }
}

/** A recording of the C dummy with three columns, and a copy whose golden file was changed. */
async function recorded(name: string): Promise<string> {
  const out = join(dir, name)
  const r = await cli(['record', '-p', plugin('libdummy_api3.so'), '--init-config', '{"seed": 7}', '--open-params', '{"start": 1, "maxEvents": 300}', '--field', 'dummy.divisible[3]', '-o', out])
  if (r.status !== 0) throw new Error(r.stdout + r.stderr)
  return out
}

/** A recording of the API 3 dummy without a golden file. */
async function recordedApi3(): Promise<string> {
  const out = join(dir, 'nogolden.scap')
  const r = await cli(['record', '-p', plugin('libdummy_api3.so'), '--open-params', '{"start": 1, "maxEvents": 40}', '--no-golden', '-o', out])
  if (r.status !== 0) throw new Error(r.stdout + r.stderr)
  return out
}

function tamper(golden: string, evtnums: string[]): void {
  const lines = readFileSync(golden, 'utf8').split('\n').map((l) => {
    const cells = l.split('\t')
    if (evtnums.includes(cells[0])) cells[3] = '424242'
    return cells.join('\t')
  })
  writeFileSync(golden, lines.join('\n'))
}

test('replay JUnit: valid, a time on every test case, failures with the mismatches', async (t) => {
  const out = await recorded('pass.scap')
  const xml = join(dir, 'pass.xml')
  const r = await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '--junit', xml])
  t.is(r.status, 0, r.stdout + r.stderr)
  t.is(validate(xml), '')
  const text = readFileSync(xml, 'utf8')
  t.regex(text, /<testsuites name="scaptool replay" tests="4" failures="0" errors="0" time="\d+\.\d{3}">/)
  t.regex(text, /<testsuite name="[^"]*pass\.scap" tests="4" failures="0" errors="0" skipped="0" time="\d+\.\d{3}" timestamp="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d" hostname="[^"]*">/)
  const cases = text.match(/<testcase [^>]*>/g) ?? []
  t.is(cases.length, 4)
  for (const c of cases) t.regex(c, / time="\d+\.\d{3}"/)

  tamper(`${out}.golden`, ['17', '230'])
  const failing = join(dir, 'fail.xml')
  const f = await cli(['replay', out, '-p', plugin('libdummy_api3.so'), '--junit', failing])
  t.is(f.status, 1)
  t.is(validate(failing), '')
  const ftext = readFileSync(failing, 'utf8')
  t.regex(ftext, /tests="4" failures="1" errors="0"/)
  t.regex(ftext, /<testcase classname="scaptool\.replay\.dummy_api3" name="dummy\.value matches the live run" time="\d+\.\d{3}"><failure message="2 of 300 values differ: evt\.num 17: expected 424242, got \d+; evt\.num 230: expected 424242/)
})

test('the batching warning and --strict-batching are valid JUnit too', async (t) => {
  const out = join(dir, 'go.scap')
  const rec = await cli(['record', '-p', plugin('go/libdummy.so'), '--open-params', '{"start": 1, "maxEvents": 200}', '--field', 'dummy.divisible[3]', '--field', 'dummy.divisible[2]', '-o', out])
  t.is(rec.status, 0, rec.stderr)
  for (const strict of [false, true]) {
    const xml = join(dir, `batching-${strict}.xml`)
    const r = await cli(['replay', out, '-p', plugin('go/libdummy.so'), '--junit', xml, ...(strict ? ['--strict-batching'] : [])])
    t.is(r.status, strict ? 1 : 0, r.stdout)
    t.is(validate(xml), '')
    t.regex(readFileSync(xml, 'utf8'), strict ? /name="dummy gives the same values[^"]*" time="[\d.]+"><failure / : /name="dummy gives the same values[^"]*" time="[\d.]+"><system-out>warning: values change/)
  }
})

test('a run that ends with exit 3, 4 or 5 writes a JUnit error case and a Markdown error, replacing stale reports', async (t) => {
  const stale = '<?xml version="1.0"?><testsuites name="scaptool replay" tests="1" failures="0" errors="0"><testsuite name="old" tests="1" failures="0" errors="0"><testcase name="old pass"/></testsuite></testsuites>\n'
  const truncated = join(dir, 'truncated.scap')
  writeFileSync(truncated, readFileSync(CAPTURE).subarray(0, 710))
  const cases: Array<{code: number; args: string[]; type: RegExp; message: RegExp}> = [
    {code: 3, args: ['replay', truncated, '-p', DUMMY_C, '--init-config', DUMMY_C_CONFIG, '--no-batching-probe'], type: /type="ScapError:TRUNCATED"/, message: /truncated/i},
    {code: 4, args: ['replay', await recordedApi3(), '-p', plugin('libdummy_api3.so'), '-p', plugin('libbad_crash_extract.so'), '--init-config', '', '--init-config', '{"crash_at": 17}'], type: /type="PluginError:plugin_crashed"/, message: /plugin 'bad_crash_extract' crashed the plugin host \(signal SIGSEGV\) during extract at evt\.num 17/},
    {code: 5, args: ['replay', join(dir, 'missing.scap'), '-p', DUMMY_C], type: /type="ScapError:IO"/, message: /missing\.scap/},
  ]
  for (const c of cases) {
    const xml = join(dir, `error-${c.code}.xml`)
    const md = join(dir, `error-${c.code}.md`)
    writeFileSync(xml, stale)
    writeFileSync(md, '## ✅ PASS (stale)\n')
    const r = await cli([...c.args, '--junit', xml, '--markdown', md])
    t.is(r.status, c.code, `${c.args.join(' ')}: ${r.stdout}${r.stderr}`)
    if (r.status !== c.code) continue
    const text = readFileSync(xml, 'utf8')
    t.notRegex(text, /old pass/)
    t.is(validate(xml, errorSchema()), '', text)
    t.regex(text, /<testsuites name="scaptool replay" tests="1" failures="0" errors="1" time="\d+\.\d{3}">/)
    t.regex(text, /<testcase classname="scaptool\.replay" name="replay of [^"]+ runs to the end" time="\d+\.\d{3}"><error message="[^"]+" /)
    t.regex(text, c.type)
    t.regex(text.match(/<error[^>]*>([\s\S]*)<\/error>/)![1], c.message)
    const summary = readFileSync(md, 'utf8')
    t.regex(summary, /^## ❌ ERROR · scaptool replay of `[^`]+`\n/)
    t.notRegex(summary, /stale/)
  }
})

test('rules mode JUnit: a case per rule with its alerts, expected-alert differences as failures, skipped rules', async (t) => {
  const rules = join(dir, 'rules.yaml')
  writeFileSync(
    rules,
    readFileSync(RULES, 'utf8') +
      `- rule: Big Samples
  desc: samples over 100
  condition: dummy.value > 100
  output: big (sample=%dummy.value)
  priority: WARNING
  source: dummy
- rule: A Syscall Rule
  desc: never runs here
  condition: evt.type = open
  output: open
  priority: NOTICE
`,
  )
  const base = ['replay', CAPTURE, '-p', DUMMY_C, '--init-config', DUMMY_C_CONFIG, '--rules', rules, '--rule-matching', 'all']
  const alerts = join(dir, 'expected.alerts')
  t.is((await cli([...base, '--update-alerts', '--expect-alerts', alerts])).status, 0)
  const pass = join(dir, 'rules-pass.xml')
  const r = await cli([...base, '--expect-alerts', alerts, '--junit', pass, '--markdown', join(dir, 'rules.md')])
  t.is(r.status, 0, r.stderr)
  t.is(validate(pass), '')
  const text = readFileSync(pass, 'utf8')
  t.regex(text, /<testsuites name="scaptool rules" tests="3" failures="0" errors="0"/)
  t.regex(text, /<testcase classname="scaptool\.rules" name="rule 'My Dummy Rule' gives the expected alerts" time="\d+\.\d{3}"><system-out>3 alerts on 20 events<\/system-out><\/testcase>/)
  t.regex(text, /<testcase classname="scaptool\.rules" name="rule 'Big Samples' gives the expected alerts" time="\d+\.\d{3}"><system-out>\d+ alerts on 20 events<\/system-out><\/testcase>/)
  t.regex(text, /name="rule 'A Syscall Rule' runs" time="0\.000"><skipped message="[^"]+"\/>/)
  t.regex(readFileSync(join(dir, 'rules.md'), 'utf8'), /^## ✅ PASS · scaptool rules on `[^`]+`[\s\S]*\| My Dummy Rule \| 3 \|/)

  // one expected alert of each rule changed: both rules fail, with the differing lines
  const lines = readFileSync(alerts, 'utf8').split('\n')
  const changed = lines.map((l) => (l.includes('"rule":"Big Samples"') ? l.replace(/big \(sample=(\d+)\)/, 'big (sample=x$1)') : l))
  writeFileSync(alerts, changed.filter((l) => !l.includes('"evtnum":2,')).join('\n'))
  const fail = join(dir, 'rules-fail.xml')
  const f = await cli([...base, '--expect-alerts', alerts, '--junit', fail])
  t.is(f.status, 1)
  t.is(validate(fail), '')
  const ftext = readFileSync(fail, 'utf8')
  t.regex(ftext, /tests="3" failures="2" errors="0"/)
  t.regex(ftext, /name="rule 'My Dummy Rule' gives the expected alerts" time="[\d.]+"><failure message="1 alert differ[^"]*" type="failure">1 alert differ[^<]*\nunexpected alert at evt\.num 2/)
  t.regex(ftext, /name="rule 'Big Samples' gives the expected alerts" time="[\d.]+"><failure message="\d+ alerts differ/)
})

test('replay Markdown: verdict, field table, first mismatches, history, verdicts', async (t) => {
  const out = join(dir, 'ms.scap')
  const rec = await cli(['record', '-p', plugin('libdummy_maxsample_c.so'), '--init-config', '{"seed": 7}', '--open-params', '{"start": 1, "maxEvents": 400}', '-o', out])
  t.is(rec.status, 0, rec.stderr)
  const md = join(dir, 'ms.md')
  const r = await cli(['replay', out, '-p', plugin('libdummy_maxsample_c.so'), '--shuffle-seed', '5', '--markdown', md, '--details', '3'])
  t.is(r.status, 1)
  const text = readFileSync(md, 'utf8')
  t.regex(text, /^## ❌ FAIL · scaptool replay of `[^`]+ms\.scap`\n/)
  t.regex(text, /\n- dummy\.max_sample: depends on history \(\d+ differences in reverse order, \d+ shuffled\)\n/)
  t.regex(text, /\n\| field \| plugin \| compared \| mismatches \| history \| batching \| values \/ absent \/ errors \/ n\.a\. \|\n\| --- \| --- \| --: \| --: \| --- \| --: \| --- \|\n/)
  t.regex(text, /\n\| ✅ `dummy\.value` \| dummy_maxsample_c \| 400 \| 0 \| – \| 0 \| 400 \/ 0 \/ 0 \/ 0 \|\n/)
  t.regex(text, /\n\| ❌ `dummy\.max_sample` \| dummy_maxsample_c \| 400 \| \d+ \| reverse \d+, shuffle \d+ \|/)
  t.regex(text, /### Mismatches \(first 3 of \d+\)\n\n\| evt\.num \| field \| expected \(live run\) \| actual \(replay\) \|/)
  t.regex(text, /### History-dependent fields\n\nValues of `dummy\.max_sample` depend on the events/)

  // an upgrade verdict: a capture recorded with one version of a plugin, replayed by the next
  const up = join(dir, 'up.scap')
  t.is((await cli(['record', '-p', plugin('libdummy_upgrade_api0_3.so'), '--init-config', '{"seed": 1}', '--field', 'dummy.divisible[3]', '-o', up])).status, 0)
  const upmd = join(dir, 'up.md')
  t.is((await cli(['replay', up, '-p', plugin('libdummy_upgrade_api3.so'), '--markdown', upmd])).status, 0)
  t.regex(readFileSync(upmd, 'utf8'), /### Version verdicts\n\n\| plugin \| recorded \| replayed \| required bump \| actual bump \| verdict \| why \|\n[^\n]+\n\| dummy_upgrade \| 0\.1\.0 \| 0\.1\.1 \| patch \| patch \| ✅ honest \|/)
  t.true(existsSync(upmd))
})

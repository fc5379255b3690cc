// replay --rules against current Falco (the oracle, built by scripts/build-oracle.sh): the same
// capture, plugins and rules files go through `falco` in replay mode and through scaptool, and
// stdout must be byte-identical: the alerts (text, or JSON with json_output) and Falco's summary.
// Falco writes its log lines (rules warnings, errors, "Syscall event drop monitoring") to
// stderr and so does scaptool (its warnings and its "(N events replayed ...)" note), so stdout is
// the whole comparison. Loader cases compare the exit status (both refuse, or both run) and the
// wording of Falco's message on stderr.
import test, {type ExecutionContext} from 'ava'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {CaptureWriter} from '../src/index.js'
import {cli, plugin, tempDir, type CliResult} from './helpers.js'
import {falcoReplay, type FalcoRun} from './oracle.js'

const DIR = tempDir('scaptool-rules-falco-')
/** The Go dummy (plugin API 3.11), as the guide builds it. */
const GO_DUMMY = {name: 'dummy', path: plugin('go/libdummy.so')}
/** The C dummy of API 3.12: its event_to_string writes a payload that is not a number as a
 * JSON string (quotes, backslashes, escapes, raw UTF-8 bytes). */
const C_DUMMY = {name: 'dummy_api3_12', path: plugin('libdummy_api3_12.so')}
/** An extractor whose garbage.bad_utf8 is "\xff\xfe\xc3(". */
const GARBAGE = {name: 'bad_extract_garbage', path: plugin('libbad_extract_garbage.so')}
const HOSTNAME = 'rules-falco-host'

/** 200 events of the Go dummy (jitter 10, seed 7), recorded by scaptool. */
const GO_CAPTURE = join(DIR, 'go-dummy.scap')
/** Dummy events with payloads that are not numbers: quotes, backslash, tab, CR/LF, control
 * characters, DEL, UTF-8 and invalid UTF-8, between two numeric ones. */
const ODD_CAPTURE = join(DIR, 'odd-payloads.scap')

test.before(async () => {
  const r = await cli(['record', '-p', GO_DUMMY.path, '--init-config', '{"jitter":10,"seed":7}', '--open-params', '{"start":1,"maxEvents":200}', '-n', '200', '--no-golden', '-o', GO_CAPTURE])
  if (r.status !== 0) throw new Error(`record failed: ${r.stderr}`)
  const w = new CaptureWriter(ODD_CAPTURE)
  const payloads = [
    Buffer.from('12'),
    Buffer.from('say "hi"'),
    Buffer.from('back\\slash'),
    Buffer.from('tab\there\r\nnl'),
    Buffer.from([0x01, 0x1b, 0x7f, 0x41]),
    Buffer.from('été 😀'),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x41]),
    Buffer.from('42'),
  ]
  let ts = 1_700_000_000_123_456_789n
  for (const p of payloads) {
    w.writePluginEvent(ts, 3, p)
    ts += 1000n
  }
  w.finish()
})

const GUIDE_RULE = `- rule: My Dummy Rule
  desc: My Desc
  condition: evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1
  output: A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)
  priority: INFO
  source: dummy
`

let files = 0

function rulesFile(text: string): string {
  const dir = join(DIR, `rules-${files++}`)
  mkdirSync(dir)
  const file = join(dir, 'rules.yaml')
  writeFileSync(file, text)
  return file
}

interface Case {
  rules: string
  /** Further rules files, loaded after the first (Falco's rules_files, scaptool's -r ...). */
  moreRules?: string[]
  capture?: string
  plugins?: Array<{name: string; path: string}>
  /** Falco's json_output and scaptool's --alert-format json. */
  json?: boolean
  /** falco.yaml lines, and the scaptool flags that mean the same. */
  falcoConfig?: string
  args?: string[]
}

/** Runs one case through Falco and through scaptool. */
async function both(c: Case): Promise<{falco: FalcoRun; scaptool: CliResult}> {
  const files = [c.rules, ...(c.moreRules ?? [])].map(rulesFile)
  const capture = c.capture ?? GO_CAPTURE
  const plugins = c.plugins ?? [GO_DUMMY]
  const falco = falcoReplay(DIR, capture, {plugins, rules: files, json: c.json, extraConfig: c.falcoConfig, hostname: HOSTNAME})
  const args = ['replay', capture, ...plugins.flatMap((p) => ['-p', p.path]), ...files.flatMap((f) => ['--rules', f]), ...(c.json ? ['--alert-format', 'json'] : []), ...(c.args ?? [])]
  const scaptool = await cli(args, {env: {FALCO_HOSTNAME: HOSTNAME}})
  return {falco, scaptool}
}

/** Both run, and print the same bytes on stdout; at least `minAlerts` alerts, so that the
 * comparison is not between two empty runs. */
async function sameAlerts(t: ExecutionContext, c: Case, minAlerts = 1): Promise<{falco: FalcoRun; scaptool: CliResult}> {
  const r = await both(c)
  t.is(r.falco.status, 0, r.falco.stderr)
  t.is(r.scaptool.status, 0, r.scaptool.stderr)
  t.is(r.scaptool.stdout, r.falco.stdout)
  const detected = Number(/^Events detected: (\d+)$/m.exec(r.falco.stdout)?.[1] ?? -1)
  t.true(detected >= minAlerts, `Falco detected ${detected} events:\n${r.falco.stdout}`)
  return r
}

/** Both refuse the rules: no alert on stdout, a failure status (Falco 1, scaptool 2 for
 * usage), and each stderr carries the given message. */
async function bothRefuse(t: ExecutionContext, c: Case, falcoSays: RegExp, scaptoolSays: RegExp): Promise<void> {
  const r = await both(c)
  t.is(r.falco.status, 1, r.falco.stderr)
  t.is(r.scaptool.status, 2, r.scaptool.stderr)
  t.is(r.falco.stdout, '')
  t.is(r.scaptool.stdout, '')
  t.regex(r.falco.stderr, falcoSays)
  t.regex(r.scaptool.stderr, scaptoolSays)
}

test("the guide's rule: text alerts (Falco escapes the quotes of evt.plugininfo) and the summary", async (t) => {
  const {falco} = await sameAlerts(t, {rules: GUIDE_RULE})
  t.regex(falco.stdout, /: Informational A dummy event \(event=\{\\"sample\\": \\"\d+\\"\} sample=\d+ /)
})

test("the guide's rule: JSON alerts (json_output) with the same hostname", async (t) => {
  const {scaptool} = await sameAlerts(t, {rules: GUIDE_RULE, json: true})
  t.like(JSON.parse(scaptool.stdout.split('\n')[0]), {hostname: HOSTNAME, rule: 'My Dummy Rule'})
})

test("the guide's rule with --time-iso8601 (time_format_iso_8601), text and JSON", async (t) => {
  await sameAlerts(t, {rules: GUIDE_RULE, falcoConfig: 'time_format_iso_8601: true', args: ['--time-iso8601']})
  await sameAlerts(t, {rules: GUIDE_RULE, json: true, falcoConfig: 'time_format_iso_8601: true', args: ['--time-iso8601']})
})

test("the guide's rule and dummy.divisible[2] = 0: two arguments of one field in one condition", async (t) => {
  const rules = GUIDE_RULE.replace('evt.num < 10 and dummy.divisible[3] = 1', 'evt.num < 150 and dummy.divisible[3] = 1 and dummy.divisible[2] = 0')
  await sameAlerts(t, {rules}, 5)
  await sameAlerts(t, {rules, json: true}, 5)
})

test('one field, other arguments in other rules: conditions and outputs of several rules read dummy.divisible[N]', async (t) => {
  const rules = `${GUIDE_RULE}
- rule: Five
  desc: d
  condition: dummy.divisible[5] = 1 and dummy.divisible[3] = 0
  output: five %dummy.value by7=%dummy.divisible[7] by3=%dummy.divisible[3] by5=%dummy.divisible[5]
  priority: WARNING
  source: dummy
- rule: Seven
  desc: d
  condition: dummy.divisible[7] = 1
  output: seven %dummy.value by2=%dummy.divisible[2]
  priority: ERROR
  source: dummy
`
  await sameAlerts(t, {rules}, 20)
  await sameAlerts(t, {rules, json: true}, 20)
  await sameAlerts(t, {rules, falcoConfig: 'rule_matching: all', args: ['--rule-matching', 'all']}, 20)
})

const LISTS_AND_MACROS = `- list: small_values
  items: [21, 23]
- list: some_values
  items: [small_values, 33]
- macro: early
  condition: evt.num < 50
- macro: early
  condition: and evt.num > 0
  append: true
- rule: Listed
  desc: d
  condition: dummy.value in (some_values) and early
  output: listed %dummy.value
  priority: Info
  source: dummy
  tags: [z, a, m]
- rule: Off
  desc: d
  condition: dummy.value > 0
  output: off
  priority: DEBUG
  source: dummy
- rule: Off
  enabled: false
- list: some_values
  items: [54]
  override:
    items: append
- rule: Listed
  condition: or dummy.value = 10 or dummy.value = 69
  override:
    condition: append
- rule: Sevens
  desc: d
  condition: dummy.divisible[7] = 1
  output: seven %dummy.value
  priority: ERROR
  source: dummy
  tags: [b]
- rule: Sevens
  output: seven and more %dummy.value %evt.num
  tags: [c]
  override:
    output: replace
    tags: append
- rule: Elevens
  desc: d
  condition: dummy.divisible[11] = 1
  output: eleven %dummy.value
  priority: notice
  source: dummy
`

test('lists (nested), macros, append and override, enabled, tags: alerts, JSON tags and the summary', async (t) => {
  await sameAlerts(t, {rules: LISTS_AND_MACROS}, 10)
  await sameAlerts(t, {rules: LISTS_AND_MACROS, json: true}, 10)
})

test("priorities: --min-priority is Falco's priority setting", async (t) => {
  for (const p of ['error', 'notice', 'debug']) {
    await sameAlerts(t, {rules: LISTS_AND_MACROS, falcoConfig: `priority: ${p}`, args: ['--min-priority', p]}, 5)
  }
})

test("--rule-matching all is Falco's rule_matching: all", async (t) => {
  await sameAlerts(t, {rules: LISTS_AND_MACROS, falcoConfig: 'rule_matching: all', args: ['--rule-matching', 'all']}, 10)
  await sameAlerts(t, {rules: LISTS_AND_MACROS, json: true, falcoConfig: 'rule_matching: all', args: ['--rule-matching', 'all']}, 10)
})

test('exceptions: one field, tuples, list values and list names, append and override, duplicate names', async (t) => {
  const rules = `- list: big
  items: [109, 112]
- rule: Values
  desc: d
  condition: dummy.value > 0 and evt.num <= 24
  output: v=%dummy.value
  priority: INFO
  source: dummy
  exceptions:
    - name: small
      fields: dummy.value
      values: [10, 21]
    - name: pairs
      fields: [dummy.value, dummy.strvalue]
      comps: [=, startswith]
      values:
        - [23, 2]
        - [32, 2]
    - name: listy
      fields: [dummy.value, evt.num]
      comps: [in, <]
      values:
        - [[33, 44], 100]
        - [big, 100]
    - name: later
      fields: [dummy.value]
    - name: small
      fields: dummy.value
      values: [62]
- rule: Values
  append: true
  exceptions:
    - name: later
      values: [[46]]
    - name: prefix
      fields: dummy.strvalue
      comps: pmatch
      values: [54]
- rule: Values
  exceptions:
    - name: late
      fields: [evt.num]
      comps: [">"]
      values: [[22]]
    - name: small
      values: [69]
  override:
    exceptions: append
`
  const {scaptool} = await sameAlerts(t, {rules}, 5)
  t.regex(scaptool.stderr, /exception 'small': Multiple definitions of exception 'small' in the same rule/)
})

// The output text itself holds every character Falco's encoder escapes (YAML escapes in a
// double-quoted scalar), and the rule's name quotes and a backslash: the summary prints names
// as they are.
const ODD_OUTPUT = `- rule: Odd "chars" \\ rule
  desc: d
  condition: evt.num < 4
  output: "q=\\" bs=\\\\ tab=\\t cr=\\r nl=\\n ctl=\\x01 esc=\\x1b del=\\x7f e=\\u00e9 emoji=\\U0001F600 slash=/ info=%evt.plugininfo"
  priority: INFO
  source: dummy
`

test('text alerts are JSON-escaped as a whole line, the summary is not; JSON alerts agree too', async (t) => {
  const {falco} = await sameAlerts(t, {rules: ODD_OUTPUT}, 3)
  t.true(falco.stdout.includes('q=\\" bs=\\\\ tab=\\t cr=\\r nl=\\n ctl=\\u0001 esc=\\u001b del=\x7f e=é emoji=😀 slash=/ info={\\"sample\\": \\"'), falco.stdout)
  t.true(falco.stdout.includes('\n   Odd "chars" \\ rule: 3\n'), falco.stdout)
  await sameAlerts(t, {rules: ODD_OUTPUT, json: true}, 3)
  await sameAlerts(t, {rules: ODD_OUTPUT, falcoConfig: 'time_format_iso_8601: true', args: ['--time-iso8601']}, 3)
})

const PLUGININFO_RULE = `- rule: Info
  desc: d
  condition: evt.num > 0
  output: "info=%evt.plugininfo v=%dummy.value s=%dummy.strvalue"
  priority: WARNING
  source: dummy
`

test('plugin values with quotes, backslashes, tabs, control characters, UTF-8 and invalid UTF-8 (evt.plugininfo)', async (t) => {
  // C dummy: the payload as a JSON string, raw UTF-8 and raw invalid bytes included
  const c = await sameAlerts(t, {rules: PLUGININFO_RULE, capture: ODD_CAPTURE, plugins: [C_DUMMY]}, 8)
  t.true(c.falco.stdout.includes('info={\\"sample\\": \\"say \\\\\\"hi\\\\\\"\\"} v=<NA> s=<NA>'), c.falco.stdout)
  t.true(c.falco.stdout.includes('\\"\ufffd\ufffd\ufffd(A\\"'), c.falco.stdout)
  // Go dummy, text and JSON
  await sameAlerts(t, {rules: PLUGININFO_RULE, capture: ODD_CAPTURE, plugins: [GO_DUMMY]}, 8)
  await sameAlerts(t, {rules: PLUGININFO_RULE, capture: ODD_CAPTURE, plugins: [GO_DUMMY], json: true}, 8)
})

test('an invalid UTF-8 plugin string in a text alert: one U+FFFD per invalid sequence, as Falco', async (t) => {
  const rules = `- rule: Garbage
  desc: d
  condition: evt.num < 5
  output: "utf8=%garbage.bad_utf8 ok=%garbage.ok"
  priority: INFO
  source: dummy
`
  const {falco} = await sameAlerts(t, {rules, plugins: [GO_DUMMY, GARBAGE]}, 4)
  t.regex(falco.stdout, /utf8=\ufffd\ufffd\ufffd\( ok=\d+\n/)
})

test('loader: null items are skipped; an empty or unknown item and unknown keys are warnings, in Falco words', async (t) => {
  const rules = `-
- ~
- {}
- foo: bar
- list: l
  items: [10, 21]
  color: blue
- macro: m
  condition: evt.num < 30
  size: 3
- required_engine_version: 0.10.0
  why: 1
${GUIDE_RULE.replace('priority: INFO', 'priority: INFO\n  foo: bar')}- rule: Listed
  desc: d
  condition: m and dummy.value in (l)
  output: >
    listed %dummy.value
  priority: NOTICE
  source: dummy
`
  const {falco, scaptool} = await sameAlerts(t, {rules}, 3)
  for (const w of ["Unknown key 'color'. The key will be ignored.", "Unknown key 'size'. The key will be ignored.", "Unknown key 'why'. The key will be ignored.", "Unknown key 'foo'. The key will be ignored.", 'Unknown top level item']) {
    t.true(falco.stderr.includes(w), `Falco: ${w}`)
    t.true(scaptool.stderr.includes(w), `scaptool: ${w}\n${scaptool.stderr}`)
  }
  t.regex(scaptool.stderr, /warning: \S+rules\.yaml:3:3: Unknown top level item\n/)
  t.regex(scaptool.stderr, /warning: \S+rules\.yaml:5:3: list 'l': Unknown key 'color'\. The key will be ignored\.\n/)
  t.regex(scaptool.stderr, /warning: \S+rules\.yaml:\d+:3: rule 'My Dummy Rule': Unknown key 'foo'\. The key will be ignored\.\n/)
})

test('loader: exception fields are checked even without values; both refuse an unknown one', async (t) => {
  const rule = (fields: string) => `${GUIDE_RULE}  exceptions:\n    - name: e\n      fields: ${fields}\n`
  for (const f of ['aws.user', '[dummy.value, aws.user]', 'dummy.valeu', 'evt.numx']) {
    const name = f.replace(/^\[dummy\.value, /, '').replace(/\]$/, '')
    const says = new RegExp(`'${name.replace('.', '\\.')}' is not a supported filter field`)
    await bothRefuse(t, {rules: rule(f)}, says, says)
  }
  // a field that needs an argument, without one
  await bothRefuse(t, {rules: rule('dummy.divisible')}, /dummy\.divisible requires an argument/, /exception 'e': .*dummy\.divisible/)
  // with an argument it is a field like another
  await sameAlerts(t, {rules: rule('"dummy.divisible[3]"')}, 3)
})

test('loader: a rule without desc, and a mistake in a disabled rule or one below the minimum priority, are errors', async (t) => {
  await bothRefuse(t, {rules: GUIDE_RULE.replace('  desc: My Desc\n', '')}, /Item has no mapping for key 'desc'/, /missing required key 'desc'/)
  const broken = `${GUIDE_RULE}- rule: Broken
  desc: d
  condition: dummy.nope > 1
  output: x
  priority: DEBUG
  source: dummy
`
  await bothRefuse(t, {rules: `${broken}  enabled: false\n`}, /nonexistent field dummy\.nope/, /unknown field 'dummy\.nope'/)
  await bothRefuse(t, {rules: broken, falcoConfig: 'priority: info', args: ['--min-priority', 'info']}, /nonexistent field dummy\.nope/, /unknown field 'dummy\.nope'/)
})

test('required_plugin_versions: met (also through an alternative) both run; unmet both refuse', async (t) => {
  const req = (entries: string) => `- required_plugin_versions:\n${entries}\n${GUIDE_RULE}`
  await sameAlerts(t, {rules: req('  - name: dummy\n    version: 0.1.0')})
  await sameAlerts(t, {rules: req('  - name: dummy\n    version: 0.0.9')})
  await sameAlerts(t, {rules: req('  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: dummy\n        version: 0.1.0')})
  for (const v of ['0.2.0', '1.0.0']) {
    await bothRefuse(t, {rules: req(`  - name: dummy\n    version: ${v}`)}, new RegExp(`Plugin 'dummy' version '0\\.1\\.0' is not compatible with required plugin version '${v.replaceAll('.', '\\.')}'`), /plugin 'dummy' 0\.1\.0 is loaded, not compatible/)
  }
  await bothRefuse(t, {rules: req('  - name: k8saudit\n    version: 0.1.0')}, /Plugin requirement not satisfied, must load one of: k8saudit/, /plugin 'k8saudit' is not loaded/)
})

test('loader: append and override follow Falco (what append: true changes, what override must name)', async (t) => {
  const after = (extra: string) => `${GUIDE_RULE}${extra}`
  // append: true appends the condition (and exceptions) only: the output stays
  await sameAlerts(t, {rules: after('- rule: My Dummy Rule\n  condition: or evt.num = 12\n  output: more\n  append: true\n')}, 4)
  await sameAlerts(t, {rules: after('- rule: My Dummy Rule\n  priority: ERROR\n  desc: new\n  output: (more)\n  override:\n    priority: replace\n    desc: append\n    output: append\n')}, 3)
  const refused: Array<[string, RegExp, RegExp]> = [
    ['- rule: My Dummy Rule\n  condition: and evt.num > 2\n  output: more\n  override:\n    condition: append\n', /Unexpected key 'output': no corresponding entry under 'override' is defined/, /rules\.yaml:9:3: rule 'My Dummy Rule': unexpected key 'output': no corresponding entry under 'override' is defined/],
    ['- rule: My Dummy Rule\n  override:\n    condition: append\n', /An append override for 'condition' was specified but 'condition' is not defined/, /an append override for 'condition' was specified but 'condition' is not defined/],
    ['- rule: My Dummy Rule\n  append: true\n', /Appended rule must have exceptions or condition property/, /an appended rule must have exceptions or condition property/],
    ['- rule: My Dummy Rule\n  priority: ERROR\n  override:\n    priority: append\n', /Key 'priority' cannot be appended to, use 'replace' instead/, /key 'priority' cannot be appended to, use 'replace' instead/],
    ['- rule: My Dummy Rule\n  source: k8s\n  override:\n    source: replace\n', /Key 'source' cannot be replaced/, /key 'source' cannot be replaced/],
    ['- rule: My Dummy Rule\n  condition: or evt.num = 12\n  source: other\n  override:\n    condition: append\n', /Rule has been re-defined with a different source/, /has been re-defined with a different source/],
    ['- rule: My Dummy Rule\n  desc: x\n  condition: evt.num = 12\n  output: o\n  priority: INFO\n', /Rule has been re-defined with a different source/, /re-defined with a different source \('syscall', was 'dummy'\)/],
    ['- rule: Nope\n  condition: and evt.num > 2\n  override:\n    condition: append\n', /no rule by that name already exists/, /rule 'Nope': append\/override of a rule that is not defined/],
    ['- macro: nomacro\n  condition: x\n  append: true\n', /no macro by that name already exists/, /macro 'nomacro': append to a macro that is not defined/],
  ]
  for (const [extra, falcoSays, scaptoolSays] of refused) await bothRefuse(t, {rules: after(extra)}, falcoSays, scaptoolSays)
})

test('several rules files are merged in order: a later file overrides and adds rules', async (t) => {
  const second = `- rule: My Dummy Rule
  exceptions:
    - name: no21
      fields: dummy.value
      values: [21]
  override:
    exceptions: append
- rule: Second file
  desc: d
  condition: dummy.divisible[4] = 1 and evt.num < 30
  output: four %dummy.value
  priority: ALERT
  source: dummy
`
  await sameAlerts(t, {rules: GUIDE_RULE, moreRules: [second]}, 5)
  await sameAlerts(t, {rules: GUIDE_RULE, moreRules: [second], json: true}, 5)
})

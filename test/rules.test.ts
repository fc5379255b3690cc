// replay --rules: Falco rules files replayed on captures without Falco. The guide's "Plugin In
// Action" rule gives the alerts it shows (text and JSON shapes, summary counts), checked against
// sysdig 0.29.3 rendering the same fields; rules-file features, errors with file:line:col,
// required_plugin_versions, and expected-alerts regressions.
import test from 'ava'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {RuleSet, runRules} from '../src/index.js'
import {cli, plugin, projectRoot, run, tempDir} from './helpers.js'

const PLUGINS_DIR = join(projectRoot, 'fixtures', 'plugins')
const CAPTURE = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
const CONFIG = 'dummy_c/sysdig-plugins.yaml'

const GUIDE_RULE = `- rule: My Dummy Rule
  desc: My Desc
  condition: evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1
  output: A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)
  priority: INFO
  source: dummy
`

const DIR = tempDir()
let files = 0

function rulesFile(text: string): string {
  const dir = join(DIR, String(files++))
  mkdirSync(dir)
  const file = join(dir, 'rules.yaml')
  writeFileSync(file, text)
  return file
}

function replayRules(args: string[], env: NodeJS.ProcessEnv = {}) {
  return cli(['replay', CAPTURE, '-c', CONFIG, ...args], {cwd: PLUGINS_DIR, env})
}

test("the guide's rule alerts in Falco's text format, as sysdig renders the same fields, with Falco's summary", async (t) => {
  const r = await replayRules(['--rules', rulesFile(GUIDE_RULE)])
  t.is(r.status, 0, r.stderr)
  // sysdig evaluates the same condition and renders the same fields: the alert lines must agree.
  const sysdigLines = run('env', ['TZ=UTC', 'sysdig', '--plugin-config-file', CONFIG, '-r', CAPTURE, '-p', '%evt.time: Informational A dummy event (event=%evt.plugininfo sample=%dummy.value sample_str=%dummy.strvalue num=%evt.num)', 'evt.num > 0 and evt.num < 10 and dummy.divisible[3] = 1'], {cwd: PLUGINS_DIR})
  // Falco prints the line JSON-escaped (without the outer quotes): see test/rules-falco.test.ts
  const expectedAlerts = sysdigLines.trim().split('\n').map((l) => JSON.stringify(l).slice(1, -1))
  t.is(expectedAlerts.length, 3)
  const lines = r.stdout.trim().split('\n')
  t.deepEqual(lines.slice(0, 3), expectedAlerts)
  for (const l of lines.slice(0, 3)) t.regex(l, /^\d\d:\d\d:\d\d\.\d{9}: Informational A dummy event \(event=\{\\"sample\\": \\"(\d+)\\"\} sample=\1 sample_str=\1 num=\d\)$/)
  // stdout is Falco's stdout; scaptool's note on what it replayed goes to stderr
  t.deepEqual(lines.slice(3), ['Events detected: 3', 'Rule counts by severity:', '   INFO: 3', 'Triggered rules by rule name:', '   My Dummy Rule: 3'])
  t.regex(r.stderr, /^\(20 events replayed from \S+dummy_c-sysdig\.scap; 1 rule loaded, rule_matching: first\)\n$/)
})

test("the guide's rule in Falco's JSON format: time, rule, priority, source, hostname, output, output_fields, tags", async (t) => {
  const r = await replayRules(['--rules', rulesFile(GUIDE_RULE), '--alert-format', 'json'], {FALCO_HOSTNAME: 'replay-host'})
  t.is(r.status, 0, r.stderr)
  const alerts = r.stdout.trim().split('\n').slice(0, 3).map((l) => JSON.parse(l))
  t.deepEqual(Object.keys(alerts[0]), ['hostname', 'output', 'output_fields', 'priority', 'rule', 'source', 'tags', 'time'])
  t.like(alerts[0], {hostname: 'replay-host', priority: 'Informational', rule: 'My Dummy Rule', source: 'dummy', tags: []})
  t.regex(alerts[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/)
  t.regex(alerts[0].output, /^\d\d:\d\d:\d\d\.\d{9}: Informational A dummy event \(event=\{"sample": "9"\} sample=9 sample_str=9 num=2\)$/)
  t.deepEqual(Object.keys(alerts[0].output_fields), ['dummy.strvalue', 'dummy.value', 'evt.num', 'evt.plugininfo', 'evt.time'])
  t.like(alerts[0].output_fields, {'dummy.value': 9, 'dummy.strvalue': '9', 'evt.num': 2, 'evt.plugininfo': '{"sample": "9"}'})
  t.is(typeof alerts[0].output_fields['evt.time'], 'number')
  // --time-iso8601 prefixes text alerts with evt.time.iso8601
  const iso = await replayRules(['--rules', rulesFile(GUIDE_RULE), '--time-iso8601'])
  t.regex(iso.stdout.split('\n')[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}\+0000: Informational A dummy event/)
})

test('--json prints the summary and the alert records; counts by priority and by rule', async (t) => {
  const file = rulesFile(`${GUIDE_RULE}
- rule: Big values
  desc: d
  condition: dummy.value > 100
  output: big %dummy.value
  priority: warning
  source: dummy
  tags: [b, a]
`)
  const r = await replayRules(['--rules', file, '--json'])
  t.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.like(out.summary, {events: 20, alerts: 9, ruleMatching: 'first', sources: ['dummy']})
  t.deepEqual(out.summary.byPriority, [{name: 'WARNING', count: 6}, {name: 'INFO', count: 3}])
  t.deepEqual(out.summary.byRule, [{name: 'My Dummy Rule', count: 3}, {name: 'Big values', count: 6}])
  t.is(out.alerts.length, 9)
  t.like(out.alerts[0], {evtnum: 2, rule: 'My Dummy Rule', priority: 'Informational', source: 'dummy', output: 'A dummy event (event={"sample": "9"} sample=9 sample_str=9 num=2)'})
})

test('rule_matching: first reports one rule per event, all reports every matching rule', async (t) => {
  const file = rulesFile(`- rule: A
  desc: d
  condition: dummy.divisible[2] = 1
  output: A %evt.num
  priority: NOTICE
  source: dummy
- rule: B
  desc: d
  condition: dummy.divisible[5] = 1
  output: B %evt.num
  priority: ERROR
  source: dummy
`)
  // dummy_c values: 8 9 10 16 26 30 37 48 55 65 71 82 93 100 109 113 114 124 129 133
  const first = await replayRules(['--rules', file, '--json'])
  const all = await replayRules(['--rules', file, '--json', '--rule-matching', 'all'])
  const byRule = (o: {summary: {byRule: unknown}}) => o.summary.byRule
  t.deepEqual(byRule(JSON.parse(first.stdout)), [{name: 'A', count: 10}, {name: 'B', count: 2}])
  t.deepEqual(byRule(JSON.parse(all.stdout)), [{name: 'A', count: 10}, {name: 'B', count: 5}])
})

test('macros, lists (with list references), append, override and enabled', async (t) => {
  const file = rulesFile(`- list: small_values
  items: [8, 9]
- list: some_values
  items: [small_values, 10]
- macro: early
  condition: evt.num < 5
- macro: early
  condition: and evt.num > 0
  append: true
- rule: Listed
  desc: d
  condition: dummy.value in (some_values) and early
  output: listed %dummy.value
  priority: Info
  source: dummy
- rule: Off
  desc: d
  condition: dummy.value > 0
  output: off
  priority: DEBUG
  source: dummy
- rule: Off
  enabled: false
- list: some_values
  items: [16]
  override:
    items: append
- rule: Listed
  condition: or dummy.value = 16
  override:
    condition: append
`)
  const r = await replayRules(['--rules', file, '--json'])
  t.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.deepEqual(out.alerts.map((a: {output: string}) => a.output), ['listed 8', 'listed 9', 'listed 10', 'listed 16'])
  t.deepEqual(out.summary.rulesLoaded, ['Listed'])
  t.deepEqual(out.summary.rulesSkipped, [{rule: 'Off', reason: 'disabled'}])
})

test("exceptions: one field (comps 'in'), tuples, list values and list names, append and override, as Falco folds them into the condition", async (t) => {
  // dummy.value of the capture's 20 events: 8 9 10 16 26 30 37 48 55 65 71 82 93 100 109 113 114 124 129 133
  const file = rulesFile(`- list: big
  items: [133, 129]
- rule: Values
  desc: d
  condition: dummy.value > 0
  output: v=%dummy.value
  priority: INFO
  source: dummy
  exceptions:
    - name: small
      fields: dummy.value
      values: [8, 9]
    - name: pairs
      fields: [dummy.value, dummy.strvalue]
      comps: [=, startswith]
      values:
        - [10, 1]
        - [16, 2]
    - name: listy
      fields: [dummy.value, evt.num]
      comps: [in, <]
      values:
        - [[26, 30], 100]
        - [big, 100]
    - name: later
      fields: [dummy.value]
- rule: Values
  append: true
  exceptions:
    - name: later
      values: [[37]]
    - name: prefix
      fields: dummy.strvalue
      comps: pmatch
      values: [48]
- rule: Values
  exceptions:
    - name: late
      fields: [evt.num]
      comps: [">"]
      values: [[17]]
  override:
    exceptions: append
`)
  const r = await replayRules(['--rules', file, '--json'])
  t.is(r.status, 0, r.stderr)
  const values = JSON.parse(r.stdout).alerts.map((a: {output: string}) => Number(a.output.slice(2)))
  // 16 stays: its strvalue does not start with 2; 'late' drops events 18-20 (124 129 133)
  t.deepEqual(values, [16, 55, 65, 71, 82, 93, 100, 109, 113, 114])
  // replace drops every exception of the rule
  const replaced = rulesFile(`${readFileSync(file, 'utf8')}- rule: Values
  exceptions: []
  override:
    exceptions: replace
`)
  const all = await replayRules(['--rules', replaced, '--json'])
  t.is(JSON.parse(all.stdout).alerts.length, 20, all.stderr)
})

test('exception errors name the rule, the exception and its file position', async (t) => {
  const rule = (exceptions: string) => `- rule: R\n  desc: d\n  condition: dummy.value > 0\n  output: x\n  priority: INFO\n  source: dummy\n  exceptions:\n${exceptions}\n`
  const cases: Array<[string, RegExp]> = [
    [rule('    - name: e\n      fields: [dummy.value, dummy.valeu]\n      values:\n        - [1, 2]'), /^error: \S+rules\.yaml:8:7: rule 'R' exception 'e': 'dummy\.valeu' is not a supported filter field: did you mean 'dummy\.value'\?\n {6}- name: e\n {8}\^\n$/],
    [rule('    - name: e\n      fields: [dummy.value, dummy.strvalue]\n      comps: [=]'), /rules\.yaml:8:7: rule 'R' exception 'e': 'fields' and 'comps' must be lists of the same length/],
    [rule('    - name: e\n      fields: dummy.value\n      comps: "="'), /exception 'e': with one field, 'comps' must be a list operator \(in, intersects, pmatch\), not '='/],
    [rule('    - name: e\n      fields: [dummy.value]\n      comps: [near]'), /exception 'e': 'near' is not a comparison operator/],
    [rule('    - name: e\n      fields: [dummy.value, dummy.strvalue]\n      values:\n        - [1]'), /exception 'e': value \[1\] has 1 items for 2 fields/],
    [rule('    - name: e\n      fields: dummy.value\n      values:\n        - [1, 2]'), /exception 'e': with one field, values are strings/],
    // checked even without values, as Falco does
    [rule('    - name: e\n      fields: [dummy.value, aws.user]'), /^error: \S+rules\.yaml:8:7: rule 'R' exception 'e': 'aws\.user' is not a supported filter field: no loaded plugin exports it .*\n {6}- name: e\n {8}\^\n$/],
    [rule('    - fields: dummy.value'), /rules\.yaml:8:7: rule 'R': an exception needs a 'name'/],
    [`${rule('    - name: e\n      fields: dummy.value')}- rule: R\n  append: true\n  exceptions:\n    - name: e\n      fields: dummy.strvalue\n      values: [1]\n`, /rules\.yaml:13:7: rule 'R' exception 'e': an append can add values to an existing exception, not 'fields'/],
  ]
  for (const [text, expected] of cases) {
    const r = await replayRules(['--rules', rulesFile(text)])
    t.is(r.status, 2, text)
    t.regex(r.stderr, expected, text)
  }
})

test('rules of a source no loaded plugin provides are skipped with a warning; syscall rules too', async (t) => {
  const file = rulesFile(`${GUIDE_RULE}
- rule: K8s
  desc: d
  condition: ka.verb = create
  output: k8s %ka.verb
  priority: WARNING
  source: k8s_audit
- rule: Shell
  desc: d
  condition: proc.name = bash
  output: shell
  priority: WARNING
`)
  const r = await replayRules(['--rules', file])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stderr, /warning: rule 'K8s' skipped: source 'k8s_audit' is not provided by any loaded plugin \(loaded sources: dummy\)/)
  t.regex(r.stderr, /warning: rule 'Shell' skipped: source 'syscall'/)
  t.regex(r.stdout, /Events detected: 3/)
})

test('rule and macro errors name file:line:col, with the line and a caret under the column', async (t) => {
  const cases: Array<[string, RegExp]> = [
    [
      `- rule: R\n  desc: d\n  condition: >\n    evt.num > 0 and\n    dummy.value in (1, 2) and dummy.strvalue =\n  output: x\n  priority: INFO\n  source: dummy\n`,
      /^error: \S+rules\.yaml:5:47: rule 'R' condition: expected a value after operator '=', found the end of the filter\n {6}dummy\.value in \(1, 2\) and dummy\.strvalue =\n {48}\^\n$/,
    ],
    [
      `- macro: m\n  condition: evt.num < "x\n- rule: R\n  desc: d\n  condition: m\n  output: x\n  priority: INFO\n  source: dummy\n`,
      /^error: \S+rules\.yaml:2:24: macro 'm' condition: .*\n {4}condition: evt\.num < "x\n {25}\^\n$/,
    ],
    [
      `- macro: m\n  condition: dummy.valeu > 3\n- rule: R\n  desc: d\n  condition: evt.num > 1 and m\n  output: x\n  priority: INFO\n  source: dummy\n`,
      /^error: \S+rules\.yaml:2:14: macro 'm' condition: unknown field 'dummy\.valeu': did you mean 'dummy\.value'\? \(in macro 'm' used at \S+rules\.yaml:5:30 by rule 'R'\)\n {4}condition: dummy\.valeu > 3\n {15}\^\n$/,
    ],
    [`- rule: R\n  desc: d\n  condition: "dummy.value contains 1"\n  output: x\n  priority: INFO\n  source: dummy\n`, /^error: \S+rules\.yaml:3:27: rule 'R' condition: 'contains' operator not supported for numeric filters/],
    [`- rule: R\n  desc: d\n  condition: evt.num > 1\n  output: value %dummy.nope here\n  priority: INFO\n  source: dummy\n`, /^error: \S+rules\.yaml:4:18: rule 'R' output: unknown field 'dummy\.nope'/],
    [`- rule: R\n  desc: d\n  condition: evt.num > 1 and undefined_macro\n  output: x\n  priority: INFO\n  source: dummy\n`, /^error: \S+rules\.yaml:3:30: rule 'R' condition: undefined macro 'undefined_macro'/],
    [`- rule: R\n  desc: d\n  condition: evt.num > 1\n  output: x\n  priority: LOUD\n  source: dummy\n`, /^error: \S+rules\.yaml:5:13: rule 'R': unknown priority 'LOUD'/],
    [`- rule: R\n  desc: d\n  output: x\n  priority: INFO\n`, /^error: \S+rules\.yaml:1:3: missing required key 'condition'/],
    [`- rule: R\n  desc: [d\n`, /^error: \S+rules\.yaml:\d+:\d+: invalid YAML/],
  ]
  for (const [text, expected] of cases) {
    const r = await replayRules(['--rules', rulesFile(text)])
    t.is(r.status, 2, text)
    t.regex(r.stderr, expected, text)
  }
})

test('required_plugin_versions: same major and at least the version, alternatives accepted, clear errors', async (t) => {
  const req = (entries: string) => rulesFile(`- required_plugin_versions:\n${entries}\n${GUIDE_RULE}`)
  const ok = await replayRules(['--rules', req('  - name: dummy_c\n    version: 0.1.0')])
  t.is(ok.status, 0, ok.stderr)
  const alt = await replayRules(['--rules', req('  - name: dummy\n    version: 0.1.0\n    alternatives:\n      - name: dummy_c\n        version: 0.0.5')])
  t.is(alt.status, 0, alt.stderr)
  const newer = await replayRules(['--rules', req('  - name: dummy_c\n    version: 0.2.0')])
  t.is(newer.status, 2)
  t.regex(newer.stderr, /rules\.yaml:2:5: the rules require plugin 'dummy_c' version 0\.2\.0 .*plugin 'dummy_c' 0\.1\.0 is loaded, not compatible with 0\.2\.0/)
  const major = await replayRules(['--rules', req('  - name: dummy_c\n    version: 1.0.0')])
  t.is(major.status, 2)
  const missing = await replayRules(['--rules', req('  - name: k8saudit\n    version: 0.1.0')])
  t.is(missing.status, 2)
  t.regex(missing.stderr, /the rules require plugin 'k8saudit' version 0\.1\.0 .*plugin 'k8saudit' is not loaded\. Loaded: dummy_c 0\.1\.0, dummyx_api0_3 0\.1\.0/)
})

test('expected alerts: --update-alerts stores them, --expect-alerts catches a rule regression (exit 1)', async (t) => {
  const dir = join(DIR, 'expected')
  mkdirSync(dir)
  const rules = join(dir, 'rules.yaml')
  const alerts = join(dir, 'dummy.alerts')
  writeFileSync(rules, GUIDE_RULE)
  const w = await replayRules(['--rules', rules, '--expect-alerts', alerts, '--update-alerts'])
  t.is(w.status, 0, w.stderr)
  t.regex(w.stdout, /expected alerts written: .*dummy\.alerts \(3 alerts\)/)
  const stored = readFileSync(alerts, 'utf8').trim().split('\n')
  t.regex(stored[0], /^# scaptool expected alerts/)
  t.is(stored.length, 4)
  t.like(JSON.parse(stored[1]), {evtnum: 2, rule: 'My Dummy Rule', priority: 'Informational', source: 'dummy'})
  const same = await replayRules(['--rules', rules, '--expect-alerts', alerts])
  t.is(same.status, 0, same.stdout)
  t.regex(same.stdout, /expected alerts: .*: all 3 match — PASS/)
  // a regression: the condition changes which events alert, the output changes its text
  writeFileSync(rules, GUIDE_RULE.replace('dummy.divisible[3]', 'dummy.divisible[5]').replace('sample=%dummy.value', 'value=%dummy.value'))
  const changed = await replayRules(['--rules', rules, '--expect-alerts', alerts])
  t.is(changed.status, 1)
  t.regex(changed.stdout, /FAIL/)
  t.regex(changed.stdout, /missing evt\.num 2 rule 'My Dummy Rule'/)
  t.regex(changed.stdout, /unexpected evt\.num 3 rule 'My Dummy Rule'/)
  const json = JSON.parse((await replayRules(['--rules', rules, '--expect-alerts', alerts, '--json'])).stdout)
  t.false(json.expectedAlerts.passed)
  t.deepEqual(json.expectedAlerts.differences.map((d: {kind: string; evtnum: number}) => `${d.kind} ${d.evtnum}`), ['missing 2', 'unexpected 3', 'changed 6', 'missing 8', 'unexpected 9'])
  // same events, another priority: changed
  writeFileSync(rules, GUIDE_RULE.replace('priority: INFO', 'priority: NOTICE'))
  const prio = await replayRules(['--rules', rules, '--expect-alerts', alerts])
  t.is(prio.status, 1)
  t.regex(prio.stdout, /changed evt\.num 2 rule 'My Dummy Rule'/)
})

test('--rules refuses the golden-comparison flags', async (t) => {
  const r = await replayRules(['--rules', rulesFile(GUIDE_RULE), '--update'])
  t.is(r.status, 2)
  t.regex(r.stderr, /--update cannot be combined with it/)
})

test('the library runRules() takes files or a RuleSet and streams alerts per batch', async (t) => {
  const set = new RuleSet()
  set.add('inline.yaml', GUIDE_RULE)
  const chunks: string[] = []
  const s = await runRules(
    {capture: CAPTURE, plugins: [{path: plugin('libdummy_c.so')}], rules: set, batchEvents: 3},
    {onOutput: (c) => void chunks.push(c.text)},
  )
  t.is(s.alerts, 3)
  t.deepEqual(s.byPriority, [{name: 'INFO', count: 3}])
  t.is(chunks.join('').trim().split('\n').length, 3)
  const bad = new RuleSet()
  bad.add('inline.yaml', GUIDE_RULE.replace('dummy.divisible[3] = 1', 'dummy.divisible[3] = '))
  const err = await t.throwsAsync(runRules({capture: CAPTURE, plugins: [{path: plugin('libdummy_c.so')}], rules: bad}))
  t.regex(err!.message, /^inline\.yaml:3:67: rule 'My Dummy Rule' condition: expected a value/)
})

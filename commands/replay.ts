import {randomInt} from 'node:crypto'

import {Args, Flags} from '@oclif/core'

import {replay} from '../src/engine/run.js'
import {BATCHING_EXPLANATION, type ReplayResult} from '../src/engine/replay.js'
import {UsageError} from '../src/errors.js'
import {readFalcoConfig} from '../src/plugin/falco-config.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT} from './support/exit-codes.js'
import {replayHtml} from './support/html.js'
import {replayJunit} from './support/junit.js'
import {replayMarkdown} from './support/markdown.js'
import {htmlFlag, junitFlag, markdownFlag, reportingErrors, writeReports} from './support/reports.js'
import {table, thousands} from './support/output.js'
import {isolation, pluginFlags, pluginRuns} from './support/plugins.js'
import {Progress} from './support/progress.js'
import {listFieldsOutcome} from './support/list-fields.js'
import {rulesFlags, runRulesMode} from './support/rules-mode.js'

export default class Replay extends ScaptoolCommand {
  static summary = 'Replay a capture through plugins and prove every field returns the live run\'s value.'

  static description = `Reads the capture back through the plugins (fresh states) and compares every field with the golden file written by 'record' (<capture>.golden by default). Then extracts again in reverse order and in a shuffled order (seed printed), each with a fresh plugin state, and reports fields whose value depends on what the plugin saw before (the guide's max_sample anti-pattern).

Every pass asks for one field per extract_fields call, as libsinsp does. The batching probe extracts once more with all of an event's fields in one call (allowed by the API, not done by libsinsp today) and reports plugins whose values then change: a warning, or a failure with --strict-batching (--no-batching-probe skips it).

When a replaying plugin has another version than the recorded one, the differences are classified (fields added, removed, changed; values changed) and the version bump is judged by the guide's semver rule: new fields need at least a minor bump, removed or changed fields (or changed values) a major one. A bump smaller than the changes require fails the replay; the changes of an honestly bumped plugin are reported, not failed.

Without a golden file, replay still extracts and runs the order checks; --update writes the golden file from this replay (a snapshot update). A capture recorded with one plugin API generation replays with a build of another (plugins are matched by name, else by fields).

REPORTS
--junit FILE (test cases per field, per probed plugin, per version verdict; valid against the Surefire/Jenkins JUnit schema), --markdown FILE (for CI step summaries such as GitHub's $GITHUB_STEP_SUMMARY: the verdict, the field table, the first mismatches, history and batching findings, version verdicts) and --html FILE (a self-contained page, no network: the field table, a chart of mismatches and history differences along evt.num, each field's most frequent values). A run that ends with exit 2 to 5 once it started still writes --junit (one test case with an <error>) and --markdown, replacing an earlier report. Reports never replace the capture, a golden file or another capture.

RULES MODE (-r/--rules rules.yaml, repeatable; or the rules_files of the -c Falco configuration when no -r is given, as Falco does; --no-rules ignores them)
Instead of the golden comparison, replays Falco rules files (rule, macro, list, with append / override, enabled, priority, source, tags, required_plugin_versions; a directory stands for its *.yaml/*.yml files in name order) on the capture: only rules whose source a loaded plugin provides run; alerts print in Falco's format (HH:MM:SS.nnnnnnnnn: Priority output; --time-iso8601; --alert-format json for Falco's JSON with time, rule, priority, source, hostname, output, output_fields, tags), then Falco's summary (events detected, counts by severity and by rule). By default only the first matching rule of an event alerts (rule_matching: first); --rule-matching all reports every one. --update-alerts stores the alerts (default <capture>.alerts, one JSON line per alert, written atomically); --expect-alerts FILE compares with a stored file: a missing, unexpected or changed alert fails (exit 1). Rule and macro errors name file:line:col with a caret; a loaded plugin that does not satisfy required_plugin_versions (same major, at least the version) is a usage error.

--list-fields prints the loaded plugins' fields as falco --list does, and exits.

EXIT CODES
0: every field matches the live run, no field depends on history, every version bump is honest (--rules: the rules ran, and the alerts match --expect-alerts if given)
1: mismatches, history-dependent fields, a dishonest version bump, or (--strict-batching) values that change when several fields are requested in one call (details printed) (--rules: alerts differ from --expect-alerts)
2: usage error (--rules: a rule, macro or list that does not load or compile, an unmet required_plugin_versions)
3: the capture (or golden file) is unreadable, corrupt, truncated, or belongs to another capture
4: a plugin failed or crashed (named, with the event)
5: I/O error`

  static usage = ['<%= command.id %> CAPTURE (-p lib.so... | -c falco.yaml) [flags]', '<%= command.id %> --list-fields (-p lib.so... | -c falco.yaml)']

  static examples = [
    {description: 'Replay a recording through the plugin that made it: every field must return the live value', command: '<%= config.bin %> replay dummy.scap -p fixtures/plugins/build/go/libdummy.so'},
    {description: 'The same as JSON, with a JUnit report for CI', command: '<%= config.bin %> replay dummy.scap -p libdummy.so --junit replay.xml --json'},
    {description: 'dummyx.scap was recorded with the extractor dummyx3 1.0.0; replaying it with 1.1.0 judges the minor bump (a field added: honest)', command: '<%= config.bin %> replay dummyx.scap -p libdummy_api3.so -p libdummyx3-1.1.0.so'},
    {description: 'No golden file yet: write fresh.scap.golden from this replay', command: '<%= config.bin %> replay fresh.scap -p libdummy.so --update'},
    {description: "CI reports: a step summary (GitHub's $GITHUB_STEP_SUMMARY), an HTML page with a chart along evt.num and each field's values", command: '<%= config.bin %> replay dummy.scap -p libdummy.so --markdown "$GITHUB_STEP_SUMMARY" --html replay.html'},
    {description: "Falco rules instead of golden values: alerts in Falco's format, then its summary", command: '<%= config.bin %> replay dummy.scap -p libdummy.so --rules fixtures/rules/dummy_rules.yaml'},
    {description: 'Plugins from a Falco configuration, every matching rule, JSON alerts', command: '<%= config.bin %> replay dummy.scap -c falco.yaml -r fixtures/rules/dummy_rules.yaml --alert-format json --rule-matching all'},
    {description: "A Falco configuration's plugins and rules_files, as falco -c runs them", command: '<%= config.bin %> replay dummy.scap -c falco-rules.yaml'},
    {description: 'Store the alerts (dummy.scap.alerts) for later runs to compare with', command: '<%= config.bin %> replay dummy.scap -p libdummy.so -r fixtures/rules/dummy_rules.yaml --update-alerts'},
    {description: 'Compare the alerts with the stored ones (a missing, new or changed alert fails the run)', command: '<%= config.bin %> replay dummy.scap -p libdummy.so -r fixtures/rules/dummy_rules.yaml --expect-alerts dummy.scap.alerts'},
    {description: 'The rules as JUnit (a case per rule, expected-alert differences as failures) and Markdown', command: '<%= config.bin %> replay dummy.scap -p libdummy.so -r fixtures/rules/dummy_rules.yaml --junit rules.xml --markdown rules.md'},
    {description: 'The fields of the configured plugins, as falco --list prints them', command: '<%= config.bin %> replay --list-fields -c falco.yaml'},
  ]

  static args = {
    // optional only for --list-fields (checked in execute)
    capture: Args.string({description: 'Capture to replay'}),
  }

  static flags = {
    ...pluginFlags,
    golden: Flags.string({char: 'g', description: 'Golden file (default: <capture>.golden)', helpValue: 'PATH'}),
    update: Flags.boolean({description: 'Write the golden file from this replay instead of comparing'}),
    field: Flags.string({char: 'f', multiple: true, multipleNonGreedy: true, description: "Field with argument to extract when there is no golden file, e.g. 'dummy.divisible[3]'"}),
    'exclude-field': Flags.string({multiple: true, multipleNonGreedy: true, description: "Without a golden file: a field left out, as for record (repeatable)", helpValue: 'FIELD'}),
    'no-reverse': Flags.boolean({description: 'Skip the reverse-order pass'}),
    'shuffle-seed': Flags.integer({min: 0, max: Number.MAX_SAFE_INTEGER, description: 'Seed of the shuffled-order pass, an integer from 0 to 2^53-1 (default: random, printed)', helpValue: 'N'}),
    'no-shuffle': Flags.boolean({description: 'Skip the shuffled-order pass'}),
    'no-batching-probe': Flags.boolean({description: 'Skip the batching probe (all fields of an event in one extract_fields call)'}),
    'strict-batching': Flags.boolean({description: 'Fail when values change with all fields in one call (default: a warning)', exclusive: ['no-batching-probe']}),
    details: Flags.integer({default: 20, min: 0, description: 'Mismatches shown in detail (the rest are counted per field)'}),
    ...junitFlag,
    ...markdownFlag,
    ...htmlFlag,
    force: Flags.boolean({description: 'With --update: replace an existing file that is not a golden file at the golden path'}),
    threads: Flags.integer({default: 0, min: 0, description: 'Extraction threads when the plugins allow concurrent states (0: one per core)'}),
    window: Flags.integer({default: 65536, min: 1, description: 'Events per window of the order checks (memory bound)'}),
    ...rulesFlags,
    'no-rules': Flags.boolean({description: "Ignore the rules_files of the -c configuration: compare golden values", exclusive: ['rules']}),
    'list-fields': Flags.boolean({description: "Print the loaded plugins' fields as falco --list does, and exit"}),
  }

  protected async execute(): Promise<Outcome> {
    const {args: parsedArgs, flags} = await this.parse(Replay)
    const config = flags.config ? readFalcoConfig(flags.config) : undefined
    const plugins = pluginRuns(flags, config)
    if (flags['list-fields']) return listFieldsOutcome(plugins, isolation(flags))
    if (!parsedArgs.capture) throw new UsageError('missing the capture to replay: scaptool replay CAPTURE -p lib.so (or --list-fields)')
    const args = {capture: parsedArgs.capture}
    if (flags.rules) return runRulesMode(args.capture, plugins, {files: flags.rules, from: null}, flags, this.jsonOutput, this.argv)
    // Falco without -r runs the rules_files of its configuration
    if (config?.hasRulesFiles && !flags['no-rules']) {
      for (const w of config.warnings) process.stderr.write(`warning: ${w}\n`)
      return runRulesMode(args.capture, plugins, {files: config.rulesFiles, from: config.fileName}, flags, this.jsonOutput, this.argv)
    }
    if (plugins.length === 0) throw new UsageError('name the plugins to replay with: --plugin lib.so (repeatable), or -c falco.yaml')
    const seed = flags['no-shuffle'] ? null : (flags['shuffle-seed'] ?? randomInt(2 ** 31))
    // the passes run side by side, window by window: the bar names them all
    const passes = ['forward', flags['no-reverse'] ? '' : 'reverse', seed === null ? '' : 'shuffled'].filter(Boolean).join(' + ')
    const progress = new Progress('replaying')
    const inputs = [args.capture, ...(flags.golden ? [flags.golden] : [])]
    const subject = {what: 'replay', subject: args.capture, caseName: `replay of ${args.capture} runs to the end`}
    const result: ReplayResult = await reportingErrors(flags, subject, inputs, () =>
      replay(
        {
          capture: args.capture,
          plugins,
          golden: flags.golden,
          update: flags.update,
          force: flags.force,
          fields: flags.field,
          excludeFields: flags['exclude-field'],
          reverse: !flags['no-reverse'],
          shuffleSeed: seed,
          batchingProbe: !flags['no-batching-probe'],
          strictBatching: flags['strict-batching'],
          maxDetails: flags.details,
          threads: flags.threads,
          window: flags.window,
          // the HTML report shows each field's value distribution
          distributions: Boolean(flags.html),
        },
        {onProgress: (p) => progress.update(p.position, p.fileSize, `${thousands(p.events)} events`, {pass: passes}), ...isolation(flags)},
      ).finally(() => progress.finish()),
    )
    // a report never replaces the capture, the golden file or any capture or golden file
    writeReports(flags, {junit: replayJunit, markdown: replayMarkdown, html: replayHtml}, result, [args.capture, ...(result.golden ? [result.golden] : [])])
    return {data: result, text: render(result), exitCode: result.passed ? EXIT.OK : EXIT.FAILED}
  }
}

export function render(r: ReplayResult): string {
  const lines: string[] = []
  const plugins = r.plugins.map((p) => `${p.name} ${p.version} (API ${p.generation})`).join(', ')
  lines.push(`replayed ${r.capture}: ${thousands(r.events)} events with ${plugins}`)
  const recorded = (r.recordedPlugins ?? []).map((p) => `${p.name} ${p.version}`).join(', ')
  lines.push(r.golden ? `golden   ${r.golden} (recorded with ${recorded})` : r.updated ? `golden   written: ${r.updated}` : 'golden   none: nothing to compare (use --update to write one)')
  const orders = ['forward', r.reverse ? 'reverse' : '', r.shuffleSeed !== null ? `shuffled (seed ${r.shuffleSeed})` : ''].filter(Boolean)
  lines.push(`orders   ${orders.join(', ')}; ${r.threads} thread${r.threads === 1 ? '' : 's'}; ${(r.progress.elapsedMs / 1000).toFixed(2)} s`)
  const rows = [['column', 'plugin', 'compared', 'mismatches', 'history', 'batching', 'values/absent/errors/n.a.']]
  for (const c of r.columns) {
    const history = c.reverseDifferences + c.shuffleDifferences > 0 ? `reverse ${c.reverseDifferences}, shuffle ${c.shuffleDifferences}` : '-'
    const probed = c.plugin !== null && r.batchingProbed.includes(c.plugin)
    rows.push([c.column, c.plugin ?? '(none)', r.golden ? thousands(c.compared) : '-', r.golden ? thousands(c.mismatches) : '-', history, probed ? thousands(c.batchingDifferences) : '-', `${c.values}/${c.absent}/${c.errors}/${c.notApplicable}`])
  }
  lines.push(table(rows))
  if (r.mismatches.length > 0) {
    const total = r.columns.reduce((n, c) => n + c.mismatches, 0)
    lines.push(`mismatches (${r.mismatches.length} of ${thousands(total)} shown)`)
    for (const m of r.mismatches) lines.push(`  evt.num ${m.evtnum} ${m.column}: expected ${m.expected}, got ${m.actual}`)
  }
  if (r.historyDependent.length > 0) {
    lines.push(`history-dependent fields: ${r.historyDependent.join(', ')} (values depend on the events extracted before)`)
    for (const d of r.orderDifferences.slice(0, 10)) lines.push(`  evt.num ${d.evtnum} ${d.column}: ${d.forward} in capture order, ${d.other} in ${d.order} order`)
  }
  if (r.batching.length > 0) {
    lines.push(`batching ${r.strictBatching ? 'FAILURE' : 'warning'}: ${BATCHING_EXPLANATION}`)
    for (const b of r.batching) {
      if (b.failure) lines.push(`  ${b.plugin}: fails with all fields in one call: ${b.failure}`)
      else lines.push(`  ${b.plugin}: ${b.columns.join(', ')} (${thousands(b.differences)} value${b.differences === 1 ? '' : 's'})`)
    }
    for (const d of r.batchingDifferences.slice(0, 10)) lines.push(`  evt.num ${d.evtnum} ${d.column}: ${d.oneField} with one field per call, ${d.allFields} with all fields in one call`)
  } else if (r.batchingProbed.length > 0) {
    lines.push(`batching probe: no change with all fields in one call (${r.batchingProbed.join(', ')})`)
  }
  for (const u of r.upgrades) lines.push(`upgrade  ${u.plugin}: ${u.explanation} → ${u.honest ? 'honest' : 'DISHONEST'}`)
  lines.push(r.passed ? 'PASS' : `FAIL\n${r.failures.map((f) => `  - ${f}`).join('\n')}`)
  return lines.join('\n')
}

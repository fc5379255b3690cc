// `scaptool replay <capture> --rules rules.yaml`: the rules mode of replay. With --rules, replay
// runs Falco rules on the capture instead of comparing golden field values (run replay
// without --rules for that): alerts are streamed in Falco's text (or JSON) format, then
// Falco's summary; --expect-alerts compares them with a stored alerts file.
import {existsSync} from 'node:fs'

import {Flags} from '@oclif/core'

import {runRules, type RulesSummary} from '../../src/engine/rules.js'
import type {PluginRun} from '../../src/engine/record.js'
import {UsageError} from '../../src/errors.js'
import {compareAlerts, writeExpectedAlerts, type AlertComparison, type AlertRecord} from '../../src/rules/expected.js'
import type {Outcome} from './command.js'
import {EXIT} from './exit-codes.js'
import {thousands} from './output.js'
import {isolation} from './plugins.js'
import {Progress} from './progress.js'
import {rulesJunit} from './junit.js'
import {rulesMarkdown} from './markdown.js'
import {reportingErrors, writeReports} from './reports.js'
import {StdoutStream} from './stream.js'

export const rulesFlags = {
  rules: Flags.string({char: 'r', multiple: true, multipleNonGreedy: true, description: 'Falco rules file (repeatable, merged in order): run the rules instead of the golden comparison', helpValue: 'rules.yaml'}),
  'rule-matching': Flags.string({options: ['first', 'all'], default: 'first', description: "With --rules: alert on the first matching rule of an event (Falco's default) or on all"}),
  'alert-format': Flags.string({options: ['text', 'json'], default: 'text', description: "With --rules: Falco's text alerts or its JSON output (json_output)"}),
  'time-iso8601': Flags.boolean({description: 'With --rules: text alerts start with evt.time.iso8601 (time_format_iso_8601)'}),
  timezone: Flags.string({default: 'UTC', description: 'With --rules: time zone of evt.time in alerts (UTC, local, Europe/Paris...)', helpValue: 'ZONE'}),
  'min-priority': Flags.string({description: 'With --rules: load only rules at least this severe (Falco priority)', helpValue: 'PRIORITY'}),
  'expect-alerts': Flags.string({description: 'With --rules: compare the alerts with this expected-alerts file (default <capture>.alerts when it exists; mismatch: exit 1)', helpValue: 'FILE'}),
  'update-alerts': Flags.boolean({description: 'With --rules: write the alerts to the --expect-alerts file (default <capture>.alerts) instead of comparing'}),
}

interface RulesFlags {
  rules?: string[]
  'rule-matching': string
  'alert-format': string
  'time-iso8601': boolean
  timezone: string
  'min-priority'?: string
  'expect-alerts'?: string
  'update-alerts': boolean
  junit?: string
  markdown?: string
}

export interface RulesReplayResult {
  summary: RulesSummary
  /** The canonical alert records (with --json or an expected-alerts file). */
  alerts: AlertRecord[]
  expectedAlerts: AlertComparison | null
  updatedAlerts: string | null
}

/** Golden-comparison flags that mean nothing with --rules. */
const GOLDEN_ONLY = ['golden', 'update', 'field', 'html', 'shuffle-seed', 'no-shuffle', 'no-reverse']

/** The rules files to run: given with -r (`from` null), or the rules_files of a configuration. */
export interface RulesChoice {
  files: string[]
  from: string | null
}

export async function runRulesMode(capture: string, plugins: PluginRun[], rules: RulesChoice, flags: RulesFlags & Record<string, unknown>, json: boolean, argv: string[]): Promise<Outcome> {
  const conflicting = GOLDEN_ONLY.filter((f) => argv.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)))
  if (conflicting.length > 0) {
    const why = rules.from ? `the rules_files of ${rules.from} run rules` : '--rules replays rules'
    const instead = rules.from ? 'add --no-rules for the golden comparison' : 'run replay without --rules for the golden comparison'
    throw new UsageError(`${why}, not golden values: ${conflicting.map((f) => `--${f}`).join(', ')} cannot be combined with it (${instead})`)
  }
  if (rules.files.length === 0) throw new UsageError(`${rules.from}: rules_files names no rules file that exists`)
  // no plugin is fine: syscall rules on a syscall capture need none (rules of a source no plugin
  // provides are skipped with a warning, as Falco does)
  // Like golden files: <capture>.alerts is the default, compared when it exists.
  const defaultFile = `${capture}.alerts`
  const expectFile = flags['expect-alerts'] ?? (flags['update-alerts'] || existsSync(defaultFile) ? defaultFile : undefined)
  const wantRecords = json || expectFile !== undefined
  const out = new StdoutStream()
  const progress = new Progress('rules', Boolean(process.stderr.isTTY) && !process.stdout.isTTY)
  let records = ''
  const subject = {what: 'rules', subject: capture, caseName: `rules replay of ${capture} runs to the end`}
  const inputs = [capture, ...rules.files]
  const summary = await reportingErrors(flags, subject, inputs, () => runRules(
    {
      capture,
      plugins,
      rules: rules.files,
      ruleMatching: flags['rule-matching'] as 'first' | 'all',
      json: flags['alert-format'] === 'json',
      timeIso8601: flags['time-iso8601'],
      timezone: flags.timezone,
      minPriority: flags['min-priority'],
      records: wantRecords,
      // text alerts go from the plugin host straight to stdout
      outputFd: json ? undefined : 1,
    },
    {
      onOutput: (chunk) => {
        records += chunk.records
      },
      onProgress: (p) => progress.update(p.position, p.fileSize, `${thousands(p.events)} events, ${thousands(p.alerts)} alerts`),
      signal: out.closed.signal,
      ...isolation(flags),
    },
  ).finally(() => progress.finish()))
  for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`)
  for (const s of summary.rulesSkipped) if (s.reason !== 'disabled') process.stderr.write(`warning: rule '${s.rule}' skipped: ${s.reason}\n`)
  let expectedAlerts: AlertComparison | null = null
  let updatedAlerts: string | null = null
  if (expectFile && flags['update-alerts']) {
    writeExpectedAlerts(expectFile, records, [capture, ...rules.files])
    updatedAlerts = expectFile
  } else if (expectFile) {
    expectedAlerts = await reportingErrors(flags, subject, inputs, async () => compareAlerts(expectFile, records))
  }
  const result: RulesReplayResult = {
    summary,
    alerts: wantRecords ? records.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AlertRecord) : [],
    expectedAlerts,
    updatedAlerts,
  }
  const exitCode = expectedAlerts && !expectedAlerts.passed ? EXIT.FAILED : EXIT.OK
  writeReports(flags, {junit: rulesJunit, markdown: rulesMarkdown}, result, inputs)
  if (json) return {data: result, text: '', exitCode}
  await out.write(renderSummary(result) + '\n')
  // scaptool's own note goes to stderr, as Falco's log lines do: stdout is Falco's stdout.
  process.stderr.write(renderNote(summary) + '\n')
  return {data: result, text: '', exitCode, streamed: true}
}

/** What was replayed: scaptool's note after Falco's summary. */
export function renderNote(s: RulesSummary): string {
  return `(${thousands(s.events)} events replayed from ${s.capture}; ${s.rulesLoaded.length} rule${s.rulesLoaded.length === 1 ? '' : 's'} loaded, rule_matching: ${s.ruleMatching})`
}

/** Falco's closing summary (as Falco prints it: rule names as they are, not escaped), then
 * scaptool's expected-alerts verdict. */
export function renderSummary(r: RulesReplayResult): string {
  const s = r.summary
  const lines = [`Events detected: ${s.alerts}`, 'Rule counts by severity:']
  for (const p of s.byPriority) lines.push(`   ${p.name}: ${p.count}`)
  lines.push('Triggered rules by rule name:')
  for (const c of s.byRule) if (c.count > 0) lines.push(`   ${c.name}: ${c.count}`)
  if (r.updatedAlerts) lines.push(`expected alerts written: ${r.updatedAlerts} (${thousands(s.alerts)} alerts)`)
  const c = r.expectedAlerts
  if (c) {
    if (c.passed) lines.push(`expected alerts: ${c.file}: all ${thousands(c.expected)} match — PASS`)
    else {
      lines.push(`expected alerts: ${c.file}: ${thousands(c.matched)} of ${thousands(c.expected)} match, ${thousands(c.actual)} produced — FAIL`)
      for (const d of c.differences) {
        lines.push(`  ${d.kind} evt.num ${d.evtnum} rule '${d.rule}'`)
        if (d.expected) lines.push(`    expected ${d.expected}`)
        if (d.actual) lines.push(`    actual   ${d.actual}`)
      }
      if (c.more > 0) lines.push(`  ... and ${thousands(c.more)} more differences`)
    }
  }
  return lines.join('\n')
}

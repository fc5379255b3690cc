import {openSync, readSync, closeSync} from 'node:fs'

import {Args, Flags} from '@oclif/core'

import {diffCaptures, diffGolden, type DiffReport} from '../src/engine/diff.js'
import {UsageError} from '../src/errors.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT} from './support/exit-codes.js'
import {diffJunit} from './support/junit.js'
import {diffMarkdown} from './support/markdown.js'
import {table, thousands} from './support/output.js'
import {isolation, pluginFlags, pluginRuns} from './support/plugins.js'
import {Progress} from './support/progress.js'
import {junitFlag, markdownFlag, reportingErrors, writeReports} from './support/reports.js'

export default class Diff extends ScaptoolCommand {
  static summary = 'Compare field values: two golden files, or two captures replayed through the same plugins.'

  static description = `Two golden files (written by record or replay --update) are compared cell by cell: rows are paired by position (the n-th event of each), columns by label (columns only one file has are listed, not compared); a row pair whose evt.num, timestamp or plugin id differ is reported as a different event. Two captures are first replayed through the same plugins (-p or -c, fresh states, capture order; --field for fields with arguments), and their values are compared the same way. Differences are counted per field, the first --details shown, and reported as text, --json, --junit or --markdown, like replay's.

EXIT CODES
0: identical
1: different (values, events, row counts or columns)
2: usage error
3: unreadable golden file or capture
4: plugin failure
5: I/O error`

  static examples = [
    {description: 'Two golden files', command: '<%= config.bin %> diff old.scap.golden new.scap.golden'},
    {description: 'Two captures replayed through the same plugin', command: '<%= config.bin %> diff fixtures/captures/dummy_c-sysdig.scap other.scap -p fixtures/plugins/build/libdummy_c.so --field "dummy.divisible[3]"'},
    {description: 'Reports for CI', command: '<%= config.bin %> diff a.golden b.golden --junit diff.xml --markdown "$GITHUB_STEP_SUMMARY"'},
  ]

  static args = {
    a: Args.string({description: 'Golden file or capture taken as the reference', required: true}),
    b: Args.string({description: 'Golden file or capture compared with it', required: true}),
  }

  static flags = {
    ...pluginFlags,
    field: Flags.string({char: 'f', multiple: true, multipleNonGreedy: true, description: "Captures: also extract this field with an argument, e.g. 'dummy.divisible[3]'", helpValue: 'FIELD'}),
    details: Flags.integer({default: 20, min: 0, description: 'Differences shown in detail (the rest are counted per field)'}),
    ...junitFlag,
    ...markdownFlag,
  }

  protected async execute(): Promise<Outcome> {
    const {args, flags} = await this.parse(Diff)
    const goldenA = isGolden(args.a)
    const goldenB = isGolden(args.b)
    if (goldenA !== goldenB) throw new UsageError(`${goldenA ? args.a : args.b} is a golden file and ${goldenA ? args.b : args.a} is not: diff two golden files, or two captures`)
    const plugins = goldenA ? [] : pluginRuns(flags)
    if (!goldenA && plugins.length === 0) throw new UsageError('diffing two captures replays them: name the plugins with --plugin lib.so (repeatable) or -c falco.yaml')
    if (goldenA && (flags.plugin ?? []).length + (flags.config ? 1 : 0) + (flags.field ?? []).length > 0) throw new UsageError('two golden files are compared as they are: --plugin, -c and --field are for captures')
    const progress = new Progress('diffing')
    const subject = {what: 'diff', subject: `${args.a} vs ${args.b}`, caseName: `diff of ${args.a} and ${args.b} runs to the end`}
    const inputs = [args.a, args.b]
    const onProgress = (p: {rows: number}) => progress.update(0, 0, `${thousands(p.rows)} rows`)
    const report: DiffReport = await reportingErrors(flags, subject, inputs, () =>
      (goldenA ? diffGolden(args.a, args.b, {maxDetails: flags.details, onProgress}) : diffCaptures(args.a, args.b, {plugins, fields: flags.field, maxDetails: flags.details, onProgress}, isolation(flags))).finally(() => progress.finish()),
    )
    writeReports(flags, {junit: diffJunit, markdown: diffMarkdown}, report, inputs)
    return {data: report, text: render(report), exitCode: report.identical ? EXIT.OK : EXIT.FAILED}
  }
}

/** Whether a file starts as a scaptool golden file does. */
function isGolden(file: string): boolean {
  const magic = '# scaptool golden file'
  const buf = Buffer.alloc(magic.length)
  const fd = openSync(file, 'r')
  try {
    return readSync(fd, buf, 0, buf.length, 0) === buf.length && buf.toString('latin1') === magic
  } finally {
    closeSync(fd)
  }
}

function render(d: DiffReport): string {
  const lines: string[] = []
  lines.push(d.captures ? `diff of ${d.a} and ${d.b} (replayed through the same plugins)` : `diff of ${d.a} and ${d.b}`)
  lines.push(`rows     ${thousands(d.comparedRows)} compared (${thousands(d.rowsA)} vs ${thousands(d.rowsB)}); ${thousands(d.eventDifferences)} pairs are different events`)
  if (d.onlyA.length > 0) lines.push(`only in ${d.a}: ${d.onlyA.join(', ')}`)
  if (d.onlyB.length > 0) lines.push(`only in ${d.b}: ${d.onlyB.join(', ')}`)
  const rows = [['column', 'compared', 'differences']]
  for (const c of d.columns) rows.push([c.column, thousands(c.compared), thousands(c.differences)])
  lines.push(table(rows))
  if (d.differences.length > 0) {
    const total = d.columns.reduce((n, c) => n + c.differences, 0)
    lines.push(`differences (${d.differences.length} of ${thousands(total)} shown)`)
    for (const x of d.differences) lines.push(`  evt.num ${x.evtnum} ${x.column}: ${x.a} vs ${x.b}`)
  }
  for (const e of d.eventDetails.slice(0, 10)) lines.push(`  row ${e.row}: ${e.a} vs ${e.b}`)
  lines.push(d.identical ? 'IDENTICAL' : 'DIFFERENT')
  return lines.join('\n')
}

import {Flags} from '@oclif/core'

import {record} from '../src/engine/run.js'
import type {RecordProgress, RecordSummary} from '../src/engine/record.js'
import {UsageError} from '../src/errors.js'
import {summarizeCapture} from '../src/capture/summary.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT, EXIT_CODES_HELP} from './support/exit-codes.js'
import {bytes, thousands} from './support/output.js'
import {isolation, openParamsFlag, parseDuration, pluginFlags, pluginPath, pluginRuns} from './support/plugins.js'
import {Progress} from './support/progress.js'

export default class Record extends ScaptoolCommand {
  static summary = 'Run source plugins live; write a capture and the golden file of every field value.'

  static description = `Runs the source plugins (--plugin, or the plugins: list of a Falco-style -c file) until EOF, --max-events or --duration (Ctrl-C stops cleanly and keeps everything so far). Every event goes to a libscap-compatible capture (-o; .gz or .zst compress it), flushed per batch. For every event, every field of every loaded plugin that applies to it (its own fields, and those of --extractor plugins for its source) is extracted during the live run and written to the golden file (<output>.golden by default, plain text): one line per event, renamed into place only when complete. Fields that require an argument are recorded when named with --field.

Plugins run in a child process: a crashing plugin is reported with the event it crashed on.

${EXIT_CODES_HELP}`

  static examples = [
    {
      description: 'Record 1,000 events of the Go dummy plugin, with the values of dummy.divisible[3] (a field that takes an argument) in the golden file live.scap.golden',
      command: "<%= config.bin %> record -p fixtures/plugins/build/go/libdummy.so --init-config '{\"jitter\": 10}' --open-params '{\"start\": 1, \"maxEvents\": 1000}' --field 'dummy.divisible[3]' -o live.scap",
    },
    {description: 'The plugins of a Falco configuration, 10,000 events into a gzip capture (--duration 30s stops after a time instead)', command: '<%= config.bin %> record -c falco.yaml -o live.scap.gz -n 10000'},
    {description: "An extractor plugin's fields are recorded too; the summary as JSON", command: '<%= config.bin %> record -p libdummy_c.so --extractor libdummyx.so -n 100 -o small.scap --json'},
  ]

  static flags = {
    ...pluginFlags,
    ...openParamsFlag,
    extractor: Flags.string({char: 'x', multiple: true, multipleNonGreedy: true, description: 'Extractor plugin whose fields are recorded too (repeatable)', helpValue: 'lib.so'}),
    'extractor-config': Flags.string({multiple: true, multipleNonGreedy: true, description: 'Init config of the --extractor at the same position', helpValue: 'JSON'}),
    field: Flags.string({char: 'f', multiple: true, multipleNonGreedy: true, description: "A field with its argument to record, e.g. 'dummy.divisible[3]' (repeatable)"}),
    'exclude-field': Flags.string({multiple: true, multipleNonGreedy: true, description: "A field left out of the golden file: a name, 'name[arg]' or a glob such as 'json.*' (repeatable)", helpValue: 'FIELD'}),
    output: Flags.string({char: 'o', required: true, description: 'Capture to write (.gz: gzip, .zst: zstd)', helpValue: 'out.scap'}),
    compression: Flags.string({options: ['none', 'gzip', 'zstd'], description: 'Capture compression (default: from the output name)'}),
    golden: Flags.string({description: 'Golden file to write (default <output>.golden)', helpValue: 'PATH'}),
    'no-golden': Flags.boolean({description: 'Write no golden file'}),
    'max-events': Flags.integer({char: 'n', min: 1, description: 'Stop after this many events'}),
    duration: Flags.string({char: 'd', description: 'Stop after this long (e.g. 30s, 500ms, 2m)'}),
    force: Flags.boolean({description: 'Replace an existing file of another kind at the capture or golden path (a golden file, or a file that is not a capture)'}),
  }

  protected async execute(): Promise<Outcome> {
    const {flags} = await this.parse(Record)
    const runs = pluginRuns(flags)
    if (runs.length === 0) throw new UsageError('name at least one source plugin: --plugin lib.so, or -c falco.yaml')
    const extractorConfigs = flags['extractor-config'] ?? []
    const extractors = (flags.extractor ?? []).map((path, i) => ({path: pluginPath(path), initConfig: extractorConfigs[i] ?? ''}))
    if (extractorConfigs.length > extractors.length) throw new UsageError(`${extractorConfigs.length} --extractor-config for ${extractors.length} --extractor`)
    const durationMs = flags.duration ? parseDuration(flags.duration) : undefined
    const progress = new Progress('recording')
    const stopper = new AbortController()
    let interrupts = 0
    const onSigint = () => {
      interrupts++
      if (interrupts === 1) {
        stopper.abort('Ctrl-C')
        process.stderr.write('\nstopping (Ctrl-C again to kill)...\n')
      } else process.exit(130)
    }
    process.on('SIGINT', onSigint)
    let summary: RecordSummary
    try {
      summary = await record(
        {
          // Flags name sources explicitly; a -c list is sorted by capability.
          sources: flags.plugin ? runs.slice(0, flags.plugin.length) : [],
          extractors,
          plugins: flags.plugin ? runs.slice(flags.plugin.length) : runs,
          fields: flags.field,
          excludeFields: flags['exclude-field'],
          output: flags.output,
          compression: flags.compression as 'none' | 'gzip' | 'zstd' | undefined,
          golden: flags['no-golden'] ? '' : flags.golden,
          maxEvents: flags['max-events'],
          durationMs,
          force: flags.force,
        },
        {onProgress: (p) => progress.update(p.events, 0, detail(p), {fraction: fractionDone(p, flags['max-events'], durationMs)}), signal: stopper.signal, ...isolation(flags)},
      )
    } catch (err) {
      const partial = (err as {partial?: RecordSummary}).partial
      const kept = (err as {captureKept?: string}).captureKept
      if (partial?.written) {
        process.stderr.write(`kept ${thousands(partial.events)} events: ${partial.capture}${partial.golden ? ` and ${partial.golden}` : ''}\n`)
      } else if (kept) {
        const s = await summarizeCapture(kept).catch(() => undefined)
        if (s) process.stderr.write(`the capture keeps ${thousands(s.events)} complete events: ${kept}; no golden file was written\n`)
      }
      throw err
    } finally {
      progress.finish()
      process.off('SIGINT', onSigint)
    }
    for (const note of summary.notes) process.stderr.write(`note: ${note}\n`)
    if (!summary.written) {
      return {data: summary, text: `${describe(summary)}\nno events were recorded (${summary.progress.reason ?? 'eof'}): no capture or golden file was written`, exitCode: EXIT.FAILED}
    }
    return {data: summary, text: describe(summary), exitCode: EXIT.OK}
  }
}

/** How far the recording is: the nearest of its ends (--max-events, --duration, a source's own
 * progress), or null when none is known. The bar shows it: the detail does not repeat it. */
function fractionDone(p: RecordProgress, maxEvents: number | undefined, durationMs: number | undefined): number | null {
  const known = [maxEvents ? p.events / maxEvents : null, durationMs ? p.elapsedMs / durationMs : null, ...p.sources.map((s) => (s.percent === null ? null : s.percent / 100))]
  const fractions = known.filter((f): f is number => f !== null)
  return fractions.length > 0 ? Math.max(...fractions) : null
}

function detail(p: RecordProgress): string {
  const rate = p.elapsedMs > 0 ? ` ${thousands(Math.round((p.events * 1000) / p.elapsedMs))}/s` : ''
  const plugin = p.sources.map((s) => (s.text ? `${s.plugin}: ${s.text}` : '')).filter(Boolean).join(' ')
  return `${thousands(p.events)} events${rate}${plugin ? ` · ${plugin}` : ''}`
}

export function describe(s: RecordSummary): string {
  const secs = s.progress.elapsedMs / 1000
  const lines = [
    `recorded ${thousands(s.events)} events in ${secs.toFixed(2)} s (${thousands(Math.round(s.events / Math.max(secs, 0.001)))}/s), ended by ${s.progress.reason ?? 'eof'}`,
    s.written ? `capture  ${s.capture} (${bytes(s.bytes)} uncompressed)` : `capture  ${s.capture}: not written (no events)`,
    `golden   ${s.golden ?? '(none)'}${s.golden ? ` (${s.columns.length} columns)` : ''}`,
  ]
  for (const p of s.plugins) {
    lines.push(`plugin   ${p.name} ${p.version} (API ${p.generation}, ${p.role}): ${p.columns.length ? p.columns.join(', ') : 'no fields recorded'}`)
    for (const f of p.skippedFields) lines.push(`         not recorded: ${f} needs an argument (use --field '${f}[...]')`)
  }
  if (s.progress.timeouts > 0) lines.push(`waited out ${thousands(s.progress.timeouts)} TIMEOUT answers`)
  return lines.join('\n')
}

import {Args, Flags} from '@oclif/core'

import {ScaptoolCommand, type Outcome} from './support/command.js'
import {isolation, pluginFlags, pluginRuns} from './support/plugins.js'
import {PRINT_DEFAULTS, runPrint} from './support/print-run.js'
import {positionalWords} from './support/words.js'

export default class Print extends ScaptoolCommand {
  static summary = "Print a capture's events, one line each, like `sysdig -r` (filters, formats, JSON)."

  static description = `Reads the capture and prints every event that passes the filter (the libsinsp condition language: and/or/not, = != < <= > >= contains icontains startswith endswith glob iglob regex pmatch in intersects exists, list values, brackets), with an output format (-o) or sysdig 0.29.3's default. Output is identical to Debian sysdig 0.29.3 run with TZ=UTC on the same capture, plugins and format.

Fields: evt.num, evt.time, evt.time.s, evt.time.iso8601, evt.datetime, evt.datetime.s, evt.rawtime(.s/.ns), evt.reltime(.s/.ns) (from the capture's first event), evt.source, evt.pluginname, evt.plugininfo (the plugin's event_to_string), evt.is_async, evt.asynctype, evt.type, evt.dir, evt.cpu, evt.hostname, plus the fields of the loaded plugins (-p/-c), with arguments: dummy.divisible[3].

Default format: plugin events print as sysdig's '*%evt.num %evt.datetime.s [%evt.pluginname] %evt.plugininfo' (pluginname and plugininfo are <NA> when the plugin with the event's id is not loaded); other events as '*%evt.num %evt.time %evt.cpu %evt.dir %evt.type'. A format starting with '*' prints <NA> for fields without a value; without it, such events are not printed (as sysdig). %NNfield pads or cuts to NN characters.

-j/--json prints one JSON object per event (sysdig -j): the format's fields as keys, numbers as numbers, time fields as their raw ns timestamp.

Times are rendered in UTC unless --timezone says otherwise (sysdig uses TZ); the offset in force at the event's instant is used (sysdig applies today's offset to every event).

-p is --plugin here (as in record and replay): the output format is -o/--output-format.

EXIT CODES
0: success (also when no event matched)
2: usage error: bad flag, a filter or format that does not parse or compile (the text is shown with a caret under the column), an unknown field (with what plugin to load)
3: unreadable, corrupt or truncated capture (events before the fault are printed)
4: plugin failure
5: I/O error (missing or unwritable file)`

  static examples = [
    '<%= config.bin %> print fixtures/captures/dummy_c-sysdig.scap',
    '<%= config.bin %> print fixtures/captures/dummy_c-sysdig.scap -p fixtures/plugins/build/libdummy_c.so',
    "<%= config.bin %> print capture.scap -c falco.yaml 'dummy.divisible[3] = 1 and evt.num < 10' -o '%evt.num %evt.time %dummy.value'",
    "<%= config.bin %> print capture.scap -p libdummy.so -j -o '%evt.num %dummy.value %dummy.strvalue'",
    "<%= config.bin %> print capture.scap -p libdummy.so --timezone Europe/Paris -n 10",
  ]

  static strict = false

  static args = {
    capture: Args.string({description: 'Capture to read (plain, gzip or zstd)', required: true}),
    filter: Args.string({description: 'Filter condition; several words are joined with spaces (as sysdig)'}),
  }

  static flags = {
    ...pluginFlags,
    'output-format': Flags.string({char: 'o', aliases: ['format'], description: "Output format, e.g. '%evt.num %evt.time %dummy.value' (default: sysdig's)", helpValue: 'FORMAT'}),
    json: Flags.boolean({char: 'j', description: 'One JSON object per event, as sysdig -j (errors as JSON too)'}),
    timezone: Flags.string({default: PRINT_DEFAULTS.timezone, description: 'Time zone of evt.time/evt.datetime: UTC, local, or an IANA name (Europe/Paris)', helpValue: 'ZONE'}),
    'max-events': Flags.integer({char: 'n', min: 1, description: 'Stop after this many events passed the filter (sysdig -n)'}),
    'batch-events': Flags.integer({min: 1, default: PRINT_DEFAULTS.batchEvents, hidden: true, description: 'Events per batch'}),
  }

  protected async execute(): Promise<Outcome> {
    const {args, raw, flags} = await this.parse(Print)
    this.jsonOutput = flags.json
    // Every word after the capture is the filter (sysdig joins them).
    const words = positionalWords(raw).slice(1)
    return runPrint(
      {
        capture: args.capture,
        plugins: pluginRuns(flags),
        filter: words.length > 0 ? words.join(' ') : args.filter,
        format: flags['output-format'],
        json: flags.json,
        timezone: flags.timezone,
        maxEvents: flags['max-events'],
        batchEvents: flags['batch-events'],
      },
      isolation(flags),
    )
  }
}

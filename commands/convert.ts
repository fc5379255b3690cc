import {Args, Flags} from '@oclif/core'

import {convertCapture, type ConvertResult} from '../src/capture/convert.js'
import type {Compression} from '../src/capture/writer.js'
import {ScapError} from '../src/errors.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT, EXIT_CODES_HELP} from './support/exit-codes.js'
import {bytes, thousands} from './support/output.js'
import {Progress} from './support/progress.js'
import {runSelection, selectionFlags, wantsSelection} from './support/selection.js'

export default class Convert extends ScaptoolCommand {
  static summary = 'Change a capture\'s compression (plain, gzip, zstd) without changing any block.'

  static description = `Copies every block of the input (section headers, metadata and events) byte for byte into the output, compressed as asked: --compression, else from the output name (.gz gzip, .zst zstd), else plain. Debian's sysdig and current libscap read plain and gzip captures; zstd is for storage and scaptool. If the input is damaged, the output holds every block before the fault and the command exits with code 3.

SELECTING EVENTS (sysdig -r in -w out FILTER)
--filter keeps the events that pass a filter (the libsinsp condition language, as print's; load the plugins whose fields it uses with -p or -c), --evtnum a range of the input's evt.num (10-200, 10-, ..200), --since and --until a time range (RFC 3339 with a zone, ns since the epoch, or +DURATION after the first event; --until excluded), and -n stops after N kept events. Events are tested in that order: plugin fields are extracted only for events inside the ranges. Kept events are copied byte for byte; blocks that are not events (section headers, machine info, process, fd, interface and user tables) and leading initial-state events are kept whatever the selection, as libsinsp reads them as state; events of types libsinsp drops are left out. evt.num is the input's numbering: a capture stores no event numbers, so the output read back is numbered from 1 again (libsinsp and sysdig number events as they read them).

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'gzip, which sysdig and libscap read', command: '<%= config.bin %> convert capture.scap capture.scap.gz'},
    {description: 'zstd for storage (scaptool reads it; sysdig does not)', command: '<%= config.bin %> convert dummy.scap.gz dummy.scap.zst --level 19'},
    {description: 'Back to plain, the result as JSON', command: '<%= config.bin %> convert dummy.scap.zst plain.scap --compression none --json'},
    {description: 'Keep the events that pass a filter on plugin fields (sysdig -r in -w out filter)', command: "<%= config.bin %> convert fixtures/captures/dummy_c-sysdig.scap divisible.scap -p fixtures/plugins/build/libdummy_c.so --filter 'dummy.divisible[3] = 1'"},
    {description: 'An evt.num range, at most 5 events of it', command: '<%= config.bin %> convert fixtures/captures/dummy_c-sysdig.scap part.scap --evtnum 5-15 -n 5'},
    {description: 'The first 20 microseconds of a capture', command: '<%= config.bin %> convert fixtures/captures/dummy_c-sysdig.scap start.scap.gz --until +20us'},
  ]

  static args = {
    input: Args.string({description: 'Capture to read', required: true}),
    output: Args.string({description: 'Capture to write (overwritten)', required: true}),
  }

  static flags = {
    compression: Flags.string({
      char: 'z',
      options: ['none', 'gzip', 'zstd'],
      description: 'Output compression (default: from the output file name)',
    }),
    level: Flags.integer({description: 'Compression level (gzip 0-9, zstd 1-22)'}),
    force: Flags.boolean({description: 'Replace an existing output that is not a capture'}),
    ...selectionFlags,
  }

  protected async execute(): Promise<Outcome> {
    const {args, flags} = await this.parse(Convert)
    if (wantsSelection(flags)) return runSelection(args.input, args.output, flags)
    const progress = new Progress('converting')
    try {
      const result = await convertCapture(args.input, args.output, {
        compression: flags.compression as Compression | undefined,
        level: flags.level,
        force: flags.force,
        onProgress: (pos, size) => progress.update(pos, size),
      })
      return {data: result, text: describe(result), exitCode: EXIT.OK}
    } catch (err) {
      const partial = (err as {partial?: ConvertResult}).partial
      if (err instanceof ScapError && partial && err.fileName === args.input && err.code !== 'IO') {
        return {
          data: {...partial, error: err},
          text: `${describe(partial)}\nerror: input is damaged: ${err.message}\n       the output holds every block before the fault`,
          exitCode: EXIT.CAPTURE,
        }
      }
      throw err
    } finally {
      progress.finish()
    }
  }
}

function describe(r: ConvertResult): string {
  return `converted ${thousands(r.events)} events (${thousands(r.blocks)} blocks) from ${r.inputCompression} to ${r.outputCompression}: ${r.output} (${bytes(r.bytesWritten)} written, ${bytes(r.uncompressedBytes)} uncompressed)`
}

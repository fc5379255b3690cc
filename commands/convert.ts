import {Args, Flags} from '@oclif/core'

import {convertCapture, type ConvertResult} from '../src/capture/convert.js'
import type {Compression} from '../src/capture/writer.js'
import {ScapError} from '../src/errors.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT, EXIT_CODES_HELP} from './support/exit-codes.js'
import {bytes, thousands} from './support/output.js'
import {Progress} from './support/progress.js'

export default class Convert extends ScaptoolCommand {
  static summary = 'Change a capture\'s compression (plain, gzip, zstd) without changing any block.'

  static description = `Copies every block of the input (section headers, metadata and events) byte for byte into
the output, compressed as asked: --compression, else from the output name (.gz gzip, .zst zstd),
else plain. The output is written to a temporary file and renamed into place when complete; it
may not be the input (checked by device and inode: a hard link is the input), and replaces an
existing file only if that is a capture (--force replaces anything else). Debian's sysdig and current libscap read plain and gzip captures; zstd is for
storage and scaptool. If the input is damaged, the output holds every block before the fault and
the command exits with code 3.

${EXIT_CODES_HELP}`

  static examples = [
    '<%= config.bin %> convert capture.scap capture.scap.gz',
    '<%= config.bin %> convert capture.scap.gz capture.scap.zst --level 19',
    '<%= config.bin %> convert capture.scap.zst plain.scap --compression none --json',
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
  }

  protected async execute(): Promise<Outcome> {
    const {args, flags} = await this.parse(Convert)
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
  return `converted ${thousands(r.events)} events (${thousands(r.blocks)} blocks) from ${r.inputCompression} to ${r.outputCompression}: ${r.output} (${bytes(r.bytesWritten)} uncompressed)`
}

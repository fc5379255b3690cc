import {Args, Flags} from '@oclif/core'

import {mergeCaptures, type MergeSummary} from '../src/capture/merge.js'
import type {Compression} from '../src/capture/writer.js'
import {UsageError} from '../src/errors.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT, EXIT_CODES_HELP} from './support/exit-codes.js'
import {bytes, table, thousands} from './support/output.js'
import {Progress} from './support/progress.js'
import {positionalWords} from './support/words.js'

export default class Merge extends ScaptoolCommand {
  static summary = 'Merge captures into one, events in timestamp order (mergecap for .scap files).'

  static description = `Writes one capture holding the events of every input, ordered by timestamp: at each step the earliest pending event of any input is written (equal timestamps: the earlier input first), so each input's own order is kept even where its timestamps go back (such steps are counted). Every block is copied byte for byte. The output is one section: a section header, the state of the inputs (the first machine info met, then every input's process, fd, interface and user tables, in input order), then the events; libscap reads state only before a section's first event, so a second machine info and the state blocks of later sections (concatenated captures) are left out and reported. Inputs may be plain, gzip or zstd; the output's compression comes from --compression or its name.

evt.num is not stored in a capture: the merged capture, read back, is numbered 1..N in its new order (libsinsp and sysdig number events as they read them).

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'Two captures into one, by timestamp', command: '<%= config.bin %> merge fixtures/captures/dummy_c-sysdig.scap ../shared/captures/sysdig-plugin/plugin5.scap -o merged.scap'},
    {description: 'Three inputs, gzip output, the result as JSON', command: '<%= config.bin %> merge a.scap b.scap.gz c.scap.zst -o all.scap.gz --json'},
  ]

  static strict = false

  static args = {
    inputs: Args.string({description: 'Captures to merge (two or more)', required: true}),
  }

  static flags = {
    output: Flags.string({char: 'o', required: true, description: 'Capture to write', helpValue: 'FILE'}),
    compression: Flags.string({char: 'z', options: ['none', 'gzip', 'zstd'], description: 'Output compression (default: from the output file name)'}),
    level: Flags.integer({description: 'Compression level (gzip 0-9, zstd 1-22)'}),
    force: Flags.boolean({description: 'Replace an existing output that is not a capture'}),
  }

  protected async execute(): Promise<Outcome> {
    const {raw, flags} = await this.parse(Merge)
    const inputs = positionalWords(raw)
    if (inputs.length < 2) throw new UsageError(`merge needs at least two captures (got ${inputs.length}): scaptool merge a.scap b.scap -o merged.scap`)
    const progress = new Progress('merging')
    let summary: MergeSummary
    try {
      summary = await mergeCaptures({
        inputs,
        output: flags.output,
        compression: flags.compression as Compression | undefined,
        level: flags.level,
        force: flags.force,
        onProgress: (p) => progress.update(p.position, p.fileSize, `${thousands(p.events)} events`),
      })
    } finally {
      progress.finish()
    }
    for (const w of summary.warnings) process.stderr.write(`warning: ${w}\n`)
    return {data: summary, text: render(summary), exitCode: EXIT.OK}
  }
}

function render(s: MergeSummary): string {
  const rows = [['input', 'events', 'state blocks', 'out of order', 'compression']]
  for (const i of s.inputs) rows.push([i.file, thousands(i.events), thousands(i.stateBlocks), thousands(i.outOfOrder), i.compression])
  return [
    `merged ${thousands(s.events)} events from ${s.inputs.length} captures into ${s.output} (${s.outputCompression}: ${bytes(s.bytesWritten)} written, ${bytes(s.uncompressedBytes)} uncompressed)`,
    table(rows),
    `${thousands(s.interleavings)} switches between inputs; evt.num of the output counts 1..${thousands(s.events)} in timestamp order`,
  ].join('\n')
}

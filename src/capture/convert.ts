// Changing a capture's compression without changing any block.
import {statSync} from 'node:fs'

import {ScapError, UsageError} from '../errors.js'
import {native} from '../native.js'
import type {Compression} from './writer.js'

export interface ConvertOptions {
  /** Default: from the output file name (`.gz`, `.zst`), else none. */
  compression?: Compression
  level?: number
  /** Replace an existing file that is not a capture at the output path. */
  force?: boolean
  onProgress?: (position: number, fileSize: number) => void
}

export interface ConvertResult {
  input: string
  output: string
  inputCompression: Compression
  outputCompression: Compression
  blocks: number
  events: number
  /** Bytes of the output file, as written to disk (compressed, when the output is). */
  bytesWritten: number
  /** Bytes of the capture before compression (`bytesWritten` for a plain output). */
  uncompressedBytes: number
}

/**
 * Rewrites `input` as `output` with another compression, block for block (the section headers
 * too). The output is written to a temporary file renamed into place at the end; it may not be
 * the input (by device and inode) nor replace a file that is not a capture unless `force`. If the input is
 * damaged, the output holds every block before the fault and a ScapError about the input is
 * thrown (its `partial` result is attached).
 */
export async function convertCapture(input: string, output: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const converter = new native.Converter(input, output, {compression: options.compression, level: options.level, force: options.force})
  for (;;) {
    const step = await converter.step(1 << 16)
    options.onProgress?.(step.position, step.fileSize)
    if (!step.done) continue
    const result: ConvertResult = {
      input,
      output,
      inputCompression: step.inputCompression as Compression,
      outputCompression: step.outputCompression as Compression,
      blocks: step.blocks,
      events: step.events,
      bytesWritten: statSync(output, {throwIfNoEntry: false})?.size ?? 0,
      uncompressedBytes: step.bytesWritten,
    }
    if (step.error?.code === 'OUTPUT_REFUSED') throw new UsageError(step.error.message)
    if (step.error) {
      const err = new ScapError(step.error, step.errorFile === 'output' ? output : input, step.events)
      throw Object.assign(err, {partial: result})
    }
    return result
  }
}

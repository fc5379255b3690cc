// Writing captures from JS: packed batches (the reader's format) or single plugin events.
// Recording from plugins writes from Rust directly; this serves tools, tests and library users.
import {ScapError} from '../errors.js'
import {native, type Binding} from '../native.js'
import type {EventBatch} from './batch.js'

export type Compression = 'none' | 'gzip' | 'zstd'

export interface WriterOptions {
  /** Default: from the file name (`.gz` gzip, `.zst` zstd), else none. */
  compression?: Compression
  level?: number
  /** Write a zeroed machine-info block, as current libscap does for plugin captures. */
  machineInfo?: boolean
}

export interface WriterStats {
  events: number
  /** Uncompressed bytes written. */
  bytes: number
}

export class CaptureWriter {
  readonly fileName: string
  private readonly inner: Binding.CaptureWriter

  constructor(fileName: string, options: WriterOptions = {}) {
    this.fileName = fileName
    this.inner = new native.CaptureWriter(fileName, options)
  }

  /** Writes every event of a batch (from a Capture, or built by hand) and flushes. */
  async writeBatch(batch: EventBatch | Buffer): Promise<WriterStats> {
    const buffer = Buffer.isBuffer(batch) ? batch : batch.buffer
    return this.check(await this.inner.writeBatch(buffer))
  }

  /** Writes one plugin event (type 322). `ts` in ns since the epoch. */
  writePluginEvent(ts: bigint, pluginId: number, payload: Uint8Array): WriterStats {
    return this.check(this.inner.writePluginEvent(ts, pluginId, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)))
  }

  /** Makes everything written so far readable even if the process dies next. */
  flush(): WriterStats {
    return this.check(this.inner.flush())
  }

  /** Completes the file. */
  finish(): WriterStats {
    return this.check(this.inner.finish())
  }

  private check(r: Binding.WriteResult): WriterStats {
    if (r.error) throw new ScapError(r.error, this.fileName)
    return {events: r.events, bytes: r.bytes}
  }
}

// Reading captures: an async iterator of packed batches (or of events), read on the libuv
// thread pool one batch ahead of the consumer, so that decoding in JS and parsing in Rust
// overlap on two cores.
import {ScapError} from '../errors.js'
import {native} from '../native.js'
import {EventBatch, type EventView} from './batch.js'

export interface ReadOptions {
  /** Most events per batch (default 65,536). */
  batchEvents?: number
  /** About this many bytes of records per batch (default 4 MiB). */
  batchBytes?: number
  /** Called for every non-event item (sections, metadata blocks, skipped blocks). */
  onNote?: (note: CaptureNote) => void
  /** Called after every batch with bytes read so far and the file size. */
  onProgress?: (progress: ReadProgress) => void
  /**
   * Reuse batch buffers: a batch (and every view into it) is valid only until the iteration
   * after the one that yielded it. The fastest mode: no new memory per batch.
   */
  recycle?: boolean
}

/** Something met while reading that is not an event. */
export interface CaptureNote {
  kind: 'section' | 'metadata' | 'unknown-block' | 'dropped-event'
  offset: number
  blockType: number
  section: number
  detail: string
}

export interface ReadProgress {
  /** Bytes of the (decompressed) stream consumed. */
  position: number
  fileSize: number
  compression: 'none' | 'gzip' | 'zstd'
  events: number
}

export class Capture {
  readonly fileName: string
  /** Events delivered so far (the last evt.num). */
  eventsRead = 0
  compression: ReadProgress['compression'] = 'none'
  private readonly options: ReadOptions
  private started = false

  constructor(fileName: string, options: ReadOptions = {}) {
    this.fileName = fileName
    this.options = options
  }

  /**
   * Every event of the capture, a batch at a time. If the capture is damaged, every complete
   * event before the fault is yielded first, then a ScapError naming the offset is thrown.
   */
  async *batches(): AsyncGenerator<EventBatch, void, undefined> {
    if (this.started) throw new Error(`${this.fileName}: a Capture can be iterated once`)
    this.started = true
    const reader = new native.CaptureReader(this.fileName)
    const maxEvents = this.options.batchEvents ?? 65536
    const maxBytes = this.options.batchBytes ?? 4 << 20
    const recycle = this.options.recycle === true
    // With recycling, the buffer of the batch before the one being consumed is free.
    let spare: Buffer | null = null
    let pending = reader.nextBatch(maxEvents, maxBytes, null)
    for (;;) {
      const batch = await pending
      // Ask for the next batch before handing this one out: Rust reads while JS decodes.
      if (!batch.done) pending = reader.nextBatch(maxEvents, maxBytes, spare)
      spare = null
      this.compression = batch.compression as ReadProgress['compression']
      for (const item of batch.items) this.options.onNote?.(item as CaptureNote)
      if (batch.count > 0) {
        this.eventsRead += batch.count
        yield new EventBatch(batch.events.subarray(0, batch.length), batch.count)
      }
      if (recycle) spare = batch.events
      this.options.onProgress?.({
        position: batch.position,
        fileSize: batch.fileSize,
        compression: this.compression,
        events: this.eventsRead,
      })
      if (batch.done) {
        if (batch.error) throw new ScapError(batch.error, this.fileName, this.eventsRead)
        return
      }
    }
  }

  /** Every event, one view each (see batches() for damaged captures). */
  async *events(): AsyncGenerator<EventView, void, undefined> {
    for await (const batch of this.batches()) yield* batch
  }
}

/** Opens a capture for reading (plain, gzip or zstd, detected from its bytes). */
export function openCapture(fileName: string, options: ReadOptions = {}): Capture {
  return new Capture(fileName, options)
}

// Packed event batches, decoded lazily. Mirrors native/node/src/batch.rs: each record is
//
//   +0  u32 record_len   +4 u32 block_type   +8 u64 evtnum   +16 u64 offset
//   +24 u32 flags        +28 u16 cpuid       +30 u16 section
//   +32 event (v2 layout): u64 ts, u64 tid, u32 len, u16 type, u32 nparams, lens, data
//
// Reading a field reads a few bytes from the batch buffer; nothing is decoded until asked for,
// so counting or filtering millions of events allocates nothing per event.
import {createRequire} from 'node:module'

import type * as BinaryParser from 'binary-parser/dist/binary_parser.js'

// binary-parser's package exports give ESM importers no type declarations: load its CommonJS
// build, typed by the declarations that sit beside it.
const {Parser} = createRequire(import.meta.url)('binary-parser') as typeof BinaryParser

export const RECORD_HEADER = 32
const EVENT = RECORD_HEADER
const EVENT_HEADER = 26

/** Event types whose parameter lengths are u32 (libscap's EF_LARGE_PAYLOAD). */
export const PLUGIN_EVENT = 322
export const CONTAINER_JSON_2 = 324
export const ASYNC_EVENT = 402

export function hasLargePayload(type: number): boolean {
  return type === PLUGIN_EVENT || type === CONTAINER_JSON_2 || type === ASYNC_EVENT
}

/** The full header of a record, for `EventView.decode()` (compiled once). */
const recordHeaderParser = new Parser()
  .endianness('little')
  .uint32('recordLength')
  .uint32('blockType')
  .uint64('evtnum')
  .uint64('offset')
  .uint32('flags')
  .uint16('cpuid')
  .uint16('section')
  .uint64('ts')
  .uint64('tid')
  .uint32('length')
  .uint16('type')
  .uint32('nparams')

export interface DecodedEvent {
  evtnum: number
  offset: number
  blockType: number
  flags: number
  cpuid: number
  section: number
  ts: bigint
  tid: bigint
  length: number
  type: number
  nparams: number
  params: Buffer[]
}

export class EventBatch {
  readonly buffer: Buffer
  readonly count: number
  /** @internal Typed views over the buffer: records are 8-byte aligned, so u16/u32 fields at
   * even/4-aligned positions are read without DataView calls. */
  readonly u16: Uint16Array
  /** @internal */ readonly u32: Uint32Array
  /** @internal */ readonly view: DataView

  constructor(buffer: Buffer, count: number) {
    // Native batches are malloc'd (aligned); copy the rare unaligned buffer a caller builds.
    const aligned = buffer.byteOffset % 8 === 0 ? buffer : Buffer.from(new Uint8Array(buffer))
    this.buffer = aligned
    this.count = count
    this.u16 = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1)
    this.u32 = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 2)
    this.view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength)
  }

  /** Byte positions of the records, in order. */
  positions(): Uint32Array {
    const out = new Uint32Array(this.count)
    let at = 0
    for (let i = 0; i < this.count; i++) {
      out[i] = at
      at += this.u32[at >> 2]
    }
    return out
  }

  /** One view per event; views stay valid as long as the batch is referenced. */
  *[Symbol.iterator](): IterableIterator<EventView> {
    let at = 0
    for (let i = 0; i < this.count; i++) {
      yield new EventView(this, at)
      at += this.u32[at >> 2]
    }
  }

  /** Calls `fn` with one reused cursor moved over every event: the fastest way through. */
  forEach(fn: (event: EventView) => void): void {
    const cursor = new EventView(this, 0)
    const u32 = this.u32
    let at = 0
    for (let i = 0; i < this.count; i++) {
      cursor.at = at
      fn(cursor)
      at += u32[at >> 2]
    }
  }
}

const TWO_32 = 4294967296

/** A lazily decoded event inside a batch. */
export class EventView {
  constructor(
    readonly batch: EventBatch,
    /** Byte position of the record in the batch buffer. */
    public at: number,
  ) {}

  /** u32 at an even (not necessarily 4-aligned) position. */
  private u32at(pos: number): number {
    const u16 = this.batch.u16
    return u16[pos >> 1] + u16[(pos >> 1) + 1] * 65536
  }

  get evtnum(): number {
    const u32 = this.batch.u32
    const i = (this.at + 8) >> 2
    return u32[i] + u32[i + 1] * TWO_32
  }
  get offset(): number {
    const u32 = this.batch.u32
    const i = (this.at + 16) >> 2
    return u32[i] + u32[i + 1] * TWO_32
  }
  get blockType(): number {
    return this.batch.u32[(this.at + 4) >> 2]
  }
  get flags(): number {
    return this.batch.u32[(this.at + 24) >> 2]
  }
  get cpuid(): number {
    return this.batch.u16[(this.at + 28) >> 1]
  }
  get section(): number {
    return this.batch.u16[(this.at + 30) >> 1]
  }
  /** Nanoseconds since the epoch. */
  get ts(): bigint {
    return this.batch.view.getBigUint64(this.at + EVENT, true)
  }
  /** Nanoseconds since the epoch as a number (exact below 2^53 ns, i.e. before 1970 + 104 days;
   * otherwise rounded to about 256 ns): for arithmetic where bigint costs too much. */
  get tsNumber(): number {
    const u32 = this.batch.u32
    const i = (this.at + EVENT) >> 2
    return u32[i] + u32[i + 1] * TWO_32
  }
  get tid(): bigint {
    return this.batch.view.getBigUint64(this.at + EVENT + 8, true)
  }
  /** Length of the event in the v2 layout (header, lengths and data). */
  get length(): number {
    return this.batch.u32[(this.at + EVENT + 16) >> 2]
  }
  get type(): number {
    return this.batch.u16[(this.at + EVENT + 20) >> 1]
  }
  get nparams(): number {
    return this.u32at(this.at + EVENT + 22)
  }

  paramLength(i: number): number {
    const lens = this.at + EVENT + EVENT_HEADER
    return hasLargePayload(this.type) ? this.u32at(lens + i * 4) : this.batch.u16[(lens >> 1) + i]
  }

  /** The i-th parameter's bytes (a view into the batch, not a copy), or undefined. */
  param(i: number): Buffer | undefined {
    const n = this.nparams
    if (i < 0 || i >= n) return undefined
    const width = hasLargePayload(this.type) ? 4 : 2
    let pos = this.at + EVENT + EVENT_HEADER + n * width
    for (let k = 0; k < i; k++) pos += this.paramLength(k)
    return this.batch.buffer.subarray(pos, pos + this.paramLength(i))
  }

  params(): Buffer[] {
    const n = this.nparams
    const width = hasLargePayload(this.type) ? 4 : 2
    let pos = this.at + EVENT + EVENT_HEADER + n * width
    const out: Buffer[] = []
    for (let k = 0; k < n; k++) {
      const len = this.paramLength(k)
      out.push(this.batch.buffer.subarray(pos, pos + len))
      pos += len
    }
    return out
  }

  /** For plugin events (type 322): the id of the plugin that produced it. */
  get pluginId(): number | undefined {
    if (this.type !== PLUGIN_EVENT) return undefined
    const n = this.nparams
    const lens = this.at + EVENT + EVENT_HEADER
    if (n < 2 || this.u32at(lens) !== 4) return undefined
    return this.u32at(lens + n * 4)
  }

  /** For plugin events (type 322): the plugin's payload (a view into the batch). */
  get payload(): Buffer | undefined {
    if (this.pluginId === undefined) return undefined
    const n = this.nparams
    const lens = this.at + EVENT + EVENT_HEADER
    const start = lens + n * 4 + 4
    return this.batch.buffer.subarray(start, start + this.u32at(lens + 4))
  }

  /** For async events (type 402): plugin id, event name and data. */
  asyncEvent(): {pluginId: number; name: string; data: Buffer} | undefined {
    if (this.type !== ASYNC_EVENT || this.nparams < 3 || this.paramLength(0) !== 4) return undefined
    const [id, name, data] = this.params()
    const end = name.length > 0 && name[name.length - 1] === 0 ? name.length - 1 : name.length
    return {pluginId: id.readUInt32LE(0), name: name.toString('latin1', 0, end), data}
  }

  /** The whole event in the v2 layout (a view into the batch). */
  raw(): Buffer {
    const start = this.at + EVENT
    return this.batch.buffer.subarray(start, start + this.length)
  }

  /** Every field decoded into a plain object (copies nothing but the header). */
  decode(): DecodedEvent {
    const h = recordHeaderParser.parse(this.batch.buffer.subarray(this.at, this.at + EVENT + EVENT_HEADER))
    return {
      evtnum: Number(h.evtnum),
      offset: Number(h.offset),
      blockType: h.blockType,
      flags: h.flags,
      cpuid: h.cpuid,
      section: h.section,
      ts: h.ts,
      tid: h.tid,
      length: h.length,
      type: h.type,
      nparams: h.nparams,
      params: this.params(),
    }
  }
}

// Typed errors. Native calls report faults as data (code, message, offset); these classes turn
// them into real JS errors that name the file, the offset and, where known, the event number.

/** Stable codes of capture errors (see native/scap/src/error.rs). */
export type CaptureErrorCode =
  | 'IO'
  | 'DECOMPRESS'
  | 'TRUNCATED'
  | 'NOT_A_CAPTURE'
  | 'BAD_MAGIC'
  | 'BIG_ENDIAN'
  | 'VERSION_MISMATCH'
  | 'BAD_BLOCK_LENGTH'
  | 'TRAILER_MISMATCH'
  | 'OVERSIZED_BLOCK'
  | 'EVENT_OVERRUN'
  | 'UNEXPECTED_BLOCK'
  | 'BAD_METADATA'
  | 'NO_EVENTS'

export interface NativeErrorInfo {
  code: string
  message: string
  offset: number
}

/** A capture could not be read (or written): which file, which byte, what rule it breaks. */
export class ScapError extends Error {
  override name = 'ScapError'
  readonly code: CaptureErrorCode
  readonly fileName: string
  /** Byte offset of the fault; in the decompressed stream for compressed captures. */
  readonly offset: number
  /** Events delivered before the fault (the last good evt.num), when reading. */
  readonly eventsBefore?: number

  constructor(info: NativeErrorInfo, fileName: string, eventsBefore?: number) {
    const where = info.code === 'IO' && info.offset === 0 ? '' : ` at byte offset ${info.offset}`
    super(`${fileName}: ${info.message}${where}`)
    this.code = info.code as CaptureErrorCode
    this.fileName = fileName
    this.offset = info.offset
    this.eventsBefore = eventsBefore
  }

  /** Plain data for --json output. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      fileName: this.fileName,
      offset: this.offset,
      ...(this.eventsBefore === undefined ? {} : {eventsBefore: this.eventsBefore}),
    }
  }
}

/** Bad command-line or API usage (exit code 2). */
export class UsageError extends Error {
  override name = 'UsageError'
}

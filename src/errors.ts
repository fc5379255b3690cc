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

/** What the engines report (native/node/src/json.rs). */
export interface NativeEngineError {
  kind: 'USAGE' | 'CAPTURE' | 'PLUGIN' | 'GOLDEN' | 'IO'
  message: string
  plugin?: string | null
  pluginMessage?: string | null
  /** The plugin host's or the capture reader's own code (`plugin_init_failed`, `TRUNCATED`...). */
  code?: string | null
  evtnum?: number | null
  file?: string | null
  offset?: number | null
  /** Filter, format and rule compile errors: the text and the position in it. */
  filter?: FilterLocation | null
}

/** Where a filter, output format, rule or macro compile error is (native FilterLocation). */
export interface FilterLocation {
  /** `filter`, `format`, `rule`, `macro`. */
  kind: string
  /** The rule's or macro's name. */
  name?: string | null
  /** `condition` or `output`. */
  part: string
  /** The text the position refers to. */
  text: string
  offset: number
  /** 1-based line and column in `text`. */
  line: number
  col: number
  /** The message without its position. */
  reason: string
  /** For an error in a macro expanded by a rule: the rule. */
  rule?: string | null
  /** For an error in an expanded macro: where the macro was used, innermost first (`usedIn`:
   * `filter` for the rule's condition, `macro NAME` for another macro's). */
  usedAt?: Array<{macroName: string; usedIn: string; line: number; col: number}>
  /** Set by the rules loader: where the text is in its rules file (`file:line:col`). */
  file?: string
  fileLine?: number
  fileCol?: number
}

/** A filter, output format, rule or macro that does not compile (a usage error, exit 2). The
 * message shows the text with a caret under the column. */
export class FilterError extends UsageError {
  override name = 'FilterError'
  readonly location: FilterLocation
  constructor(message: string, location: FilterLocation) {
    super(message)
    this.location = location
  }
  toJSON(): Record<string, unknown> {
    return {name: this.name, message: this.message, location: this.location}
  }
}

/** Characters of context shown before and after the column on a long line. */
const CARET_CONTEXT = 60

/**
 * The line of `text` a location is on, and a caret under its column. A long line is cut to
 * the column's surroundings (`…` marks the cuts), so an error in a long filter is not echoed
 * whole.
 */
export function caretLines(text: string, line: number, col: number, indent = '  '): string {
  let chars = [...(text.split(/\r\n|\n|\r/)[line - 1] ?? '')]
  let at = Math.max(0, col - 1)
  let head = ''
  if (at > CARET_CONTEXT) {
    chars = chars.slice(at - CARET_CONTEXT)
    at = CARET_CONTEXT
    head = '…'
  }
  const tail = chars.length > at + CARET_CONTEXT ? '…' : ''
  chars = chars.slice(0, at + CARET_CONTEXT)
  const pad = chars.slice(0, at).map((c) => (c === '\t' ? '\t' : ' ')).join('')
  return `${indent}${head}${chars.join('')}${tail}\n${indent}${head ? ' ' : ''}${pad}^`
}

/** A plugin failed, misbehaved or was refused: the plugin's fault (exit code 4). */
export class PluginError extends Error {
  override name = 'PluginError'
  /** The plugin's name (or library path when it could not be loaded). */
  readonly plugin: string
  /** The host's code, e.g. `plugin_init_failed`, `plugin_zero_events`, `plugin_crashed`. */
  readonly code: string
  /** The plugin's own `get_last_error` text, when it gave one. */
  readonly pluginMessage?: string
  /** The event being processed, when known. */
  readonly evtnum?: number
  /** For crashes: the process id of the plugin host that died. */
  readonly pid?: number

  constructor(message: string, plugin: string, code: string, extra: {pluginMessage?: string; evtnum?: number; pid?: number} = {}) {
    super(message)
    this.plugin = plugin
    this.code = code
    this.pluginMessage = extra.pluginMessage
    this.evtnum = extra.evtnum
    this.pid = extra.pid
  }

  toJSON(): Record<string, unknown> {
    return {name: this.name, code: this.code, message: this.message, plugin: this.plugin, pluginMessage: this.pluginMessage, evtnum: this.evtnum}
  }
}

/** A golden file is malformed or belongs to another capture (exit code 3, like a bad capture). */
export class GoldenError extends Error {
  override name = 'GoldenError'
  readonly fileName: string
  readonly evtnum?: number
  constructor(message: string, fileName: string, evtnum?: number) {
    super(message)
    this.fileName = fileName
    this.evtnum = evtnum
  }
  toJSON(): Record<string, unknown> {
    return {name: this.name, message: this.message, fileName: this.fileName, evtnum: this.evtnum}
  }
}

/** Turns an engine error into the matching JS error class. */
export function engineError(e: NativeEngineError): Error {
  const evtnum = e.evtnum ?? undefined
  const suffix = evtnum !== undefined && !e.message.includes('evt.num') ? ` (at evt.num ${evtnum})` : ''
  switch (e.kind) {
    case 'PLUGIN':
      return new PluginError(e.message + suffix, e.plugin ?? 'unknown plugin', e.code ?? 'plugin_fault', {pluginMessage: e.pluginMessage ?? undefined, evtnum})
    case 'CAPTURE':
    case 'IO':
      return new ScapError({code: e.code ?? (e.kind === 'IO' ? 'IO' : 'TRUNCATED'), message: e.message.replace(/^[^:]*: /, '').replace(/ at byte offset \d+$/, ''), offset: e.offset ?? 0}, e.file ?? '', evtnum !== undefined ? evtnum - 1 : undefined)
    case 'GOLDEN':
      return new GoldenError(e.message + suffix, e.file ?? '', evtnum)
    default:
      if (e.filter) return new FilterError(`${e.message}\n${caretLines(e.filter.text, e.filter.line, e.filter.col)}`, e.filter)
      return new UsageError(e.message)
  }
}

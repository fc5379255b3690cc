// `convert` with a selection of events, as sysdig users expect (`sysdig -r in -w out filter`,
// `-n`): --filter (with the plugins whose fields it uses), -n, --evtnum ranges and
// --since/--until times. Without any of these, convert copies every block (convert.ts).
import {Flags} from '@oclif/core'

import {openCapture} from '../../src/capture/reader.js'
import {selectEvents, type SelectSummary} from '../../src/capture/select.js'
import type {Compression} from '../../src/capture/writer.js'
import {ScapError, UsageError} from '../../src/errors.js'
import {isoNanos} from '../../src/json.js'
import type {Outcome} from './command.js'
import {EXIT} from './exit-codes.js'
import {bytes, thousands} from './output.js'
import {isolation, pluginFlags, pluginRuns} from './plugins.js'
import {Progress} from './progress.js'

export const selectionFlags = {
  filter: Flags.string({description: "Keep only the events that pass this filter (the libsinsp condition language, as print's; sysdig -r in -w out FILTER)", helpValue: 'EXPR'}),
  'max-events': Flags.integer({char: 'n', min: 1, description: 'Stop after this many events were kept (sysdig -n)', helpValue: 'N'}),
  evtnum: Flags.string({description: "Keep only this range of the input's evt.num, inclusive: 10-200, 10-, ..200, 42", helpValue: 'RANGE'}),
  since: Flags.string({description: 'Keep only events at or after this time: RFC 3339 (2026-11-25T14:56:27.5Z), ns since the epoch, or +DURATION from the first event (+1.5s, +250ms)', helpValue: 'TIME'}),
  until: Flags.string({description: 'Keep only events before this time (same forms as --since)', helpValue: 'TIME'}),
  ...pluginFlags,
}

export interface SelectionFlags {
  filter?: string
  'max-events'?: number
  evtnum?: string
  since?: string
  until?: string
  plugin?: string[]
  'init-config'?: string[]
  config?: string
  'plugin-timeout'?: number
}

/** Whether any flag asks for a selection (else convert copies every block). */
export function wantsSelection(flags: SelectionFlags): boolean {
  return flags.filter !== undefined || flags['max-events'] !== undefined || flags.evtnum !== undefined || flags.since !== undefined || flags.until !== undefined || (flags.plugin ?? []).length > 0 || flags.config !== undefined
}

/** `10-200`, `10-`, `10..200`, `10..`, `..200`, `42` → inclusive bounds. */
export function parseEvtnumRange(text: string): {first?: number; last?: number} {
  const m = /^\s*(\d*)\s*(?:(-|\.\.)\s*(\d*))?\s*$/.exec(text)
  const bad = () => new UsageError(`--evtnum ${JSON.stringify(text)}: expected a range of evt.num such as 10-200, 10-, ..200 or 42`)
  if (!m || (m[1] === '' && (m[3] ?? '') === '')) throw bad()
  const first = m[1] === '' ? undefined : Number(m[1])
  const last = m[2] === undefined ? first : m[3] === '' ? undefined : Number(m[3])
  if ((first !== undefined && (!Number.isSafeInteger(first) || first < 1)) || (last !== undefined && !Number.isSafeInteger(last))) throw bad()
  if (first !== undefined && last !== undefined && first > last) throw new UsageError(`--evtnum ${text}: the range is empty (${first} is after ${last})`)
  return {first, last}
}

const UNIT_NS: Record<string, bigint> = {ns: 1n, us: 1000n, µs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n}

/** A decimal number of `unit` → ns, exactly (no float rounding). */
function decimalNs(whole: string, frac: string, unit: bigint): bigint {
  const scale = 10n ** BigInt(frac.length)
  const value = (BigInt(whole || '0') * scale + BigInt(frac || '0')) * unit
  return value / scale
}

/**
 * A time as ns since the epoch: RFC 3339 / ISO 8601 with a zone (`Z`, `+02:00`) and up to 9
 * decimals, plain digits (ns since the epoch), or `+DURATION` after `base` (the capture's
 * first timestamp).
 */
export function parseTime(text: string, flag: string, base: () => Promise<bigint>): Promise<bigint> {
  const t = text.trim()
  if (/^\d+$/.test(t)) return Promise.resolve(BigInt(t))
  const rel = /^\+(\d*)(?:\.(\d+))?(ns|us|µs|ms|s|m|h)$/.exec(t)
  if (rel && (rel[1] !== '' || rel[2] !== undefined)) return base().then((b) => b + decimalNs(rel[1], rel[2] ?? '', UNIT_NS[rel[3]]))
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})$/i.exec(t)
  if (iso) {
    const [, date, hh, mm, ss = '00', frac = '', zone] = iso
    const ms = Date.parse(`${date}T${hh}:${mm}:${ss}${zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`)
    if (!Number.isNaN(ms)) return Promise.resolve(BigInt(ms) * 1_000_000n + BigInt(frac.padEnd(9, '0')))
  }
  return Promise.reject(
    new UsageError(`${flag} ${JSON.stringify(text)}: expected an RFC 3339 time with its zone (2026-11-25T14:56:27.5Z), ns since the epoch, or +DURATION after the first event (+1.5s, +250ms, +10us)`),
  )
}

/** The capture's first event's timestamp (what `+DURATION` counts from). */
async function firstTimestamp(file: string): Promise<bigint> {
  for await (const ev of openCapture(file).events()) return ev.ts
  throw new UsageError(`${file} has no event: a +DURATION time has nothing to count from`)
}

export interface SelectResult extends Omit<SelectSummary, 'events' | 'position' | 'fileSize' | 'done'> {
  /** Events read from the input (numbered). */
  eventsRead: number
  /** Events written: kept by the selection, plus leading initial-state events. */
  events: number
  selection: {filter: string | null; firstEvtnum: number | null; lastEvtnum: number | null; since: string | null; until: string | null; maxEvents: number | null}
}

function result(s: SelectSummary, selection: SelectResult['selection']): SelectResult {
  const {events, position: _p, fileSize: _f, done: _d, ...rest} = s
  return {...rest, eventsRead: events, events: s.kept + s.stateEvents, selection}
}

function describe(r: SelectResult): string {
  const range = r.firstKept !== null ? ` (input evt.num ${r.firstKept}..${r.lastKept})` : ''
  const extra = [r.stateEvents > 0 ? `${thousands(r.stateEvents)} initial-state events kept as state` : '', r.dropped > 0 ? `${thousands(r.dropped)} events of types libsinsp drops left out` : ''].filter(Boolean)
  return [
    `kept ${thousands(r.kept)} of ${thousands(r.eventsRead)} events${range} from ${r.input}`,
    `wrote ${r.output} (${r.outputCompression}: ${bytes(r.bytesWritten)} written, ${bytes(r.uncompressedBytes)} uncompressed), with ${thousands(r.otherBlocks)} state block${r.otherBlocks === 1 ? '' : 's'} (section headers, machine info, tables)`,
    'evt.num starts at 1 again when the output is read',
    ...extra,
  ].join('\n')
}

export async function runSelection(input: string, output: string, flags: SelectionFlags & {compression?: string; level?: number; force?: boolean}): Promise<Outcome> {
  const range = flags.evtnum !== undefined ? parseEvtnumRange(flags.evtnum) : {}
  let base: Promise<bigint> | undefined
  const first = () => (base ??= firstTimestamp(input))
  const sinceNs = flags.since !== undefined ? await parseTime(flags.since, '--since', first) : undefined
  const untilNs = flags.until !== undefined ? await parseTime(flags.until, '--until', first) : undefined
  if (sinceNs !== undefined && untilNs !== undefined && sinceNs >= untilNs) throw new UsageError(`--since ${flags.since} is not before --until ${flags.until}: the time range is empty`)
  const selection: SelectResult['selection'] = {
    filter: flags.filter ?? null,
    firstEvtnum: range.first ?? null,
    lastEvtnum: range.last ?? null,
    since: sinceNs !== undefined ? isoNanos(sinceNs) : null,
    until: untilNs !== undefined ? isoNanos(untilNs) : null,
    maxEvents: flags['max-events'] ?? null,
  }
  const progress = new Progress('converting')
  try {
    const summary = await selectEvents(
      {
        input,
        output,
        compression: flags.compression as Compression | undefined,
        level: flags.level,
        plugins: pluginRuns(flags),
        filter: flags.filter,
        firstEvtnum: range.first,
        lastEvtnum: range.last,
        sinceNs,
        untilNs,
        maxEvents: flags['max-events'],
        force: flags.force,
      },
      {onProgress: (p) => progress.update(p.position, p.fileSize, `${thousands(p.kept)} of ${thousands(p.events)} events kept`), ...isolation(flags)},
    )
    const r = result(summary, selection)
    return {data: r, text: describe(r), exitCode: EXIT.OK}
  } catch (err) {
    const partial = (err as {partial?: SelectSummary}).partial
    if (err instanceof ScapError && partial && err.fileName === input && err.code !== 'IO') {
      const r = result(partial, selection)
      return {data: {...r, error: err}, text: `${describe(r)}\nerror: input is damaged: ${err.message}\n       the output holds every selected event before the fault`, exitCode: EXIT.CAPTURE}
    }
    throw err
  } finally {
    progress.finish()
  }
}

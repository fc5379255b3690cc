// Whole-capture summary (what `scaptool info --json` prints), computed in slices on the thread
// pool. The types are written out here, not taken from the generated binding, so that the
// published declarations stand alone; `fromNative` below fails to compile if they drift apart.
import {ScapError, UsageError} from '../errors.js'
import {isoNanos} from '../json.js'
import {native, type Binding} from '../native.js'
import type {Compression} from './writer.js'

export interface BlockCount {
  /** Block type name (`SHB`, `EV_V2_LARGE`, `PL_V9`...). */
  name: string
  count: number
}

export interface SectionSummary {
  index: number
  /** Byte offset of the section header block. */
  offset: number
  major: number
  minor: number
  /** Bytes of pcapng options in the section header. */
  optionsLength: number
  blocks: BlockCount[]
  events: number
  firstEvtnum?: number
  lastEvtnum?: number
}

export interface EventTypeCount {
  eventType: number
  name: string
  count: number
}

export interface MachineInfo {
  hostname: string
  numCpus: number
  memorySizeBytes: number
  maxPid: number
  bootTsEpoch: bigint
}

export interface CaptureSummary {
  fileName: string
  compression: Compression
  /** Bytes on disk. */
  fileSize: number
  /** Bytes of the (decompressed) stream understood. */
  bytesRead: number
  /** False when the capture is damaged (`error` says where). */
  complete: boolean
  sections: SectionSummary[]
  /** Block counts of the whole file. */
  blocks: BlockCount[]
  events: number
  eventsByType: EventTypeCount[]
  eventsByPlugin: Array<{pluginId: number; count: number}>
  asyncEvents: Array<{pluginId: number; name: string; count: number}>
  /** Events of types current libsinsp drops (no evt.num). */
  droppedEvents: EventTypeCount[]
  firstEvtnum?: number
  lastEvtnum?: number
  /** Timestamps (ns since the epoch) of the first and last events, and the extremes. */
  firstTs?: bigint
  lastTs?: bigint
  minTs?: bigint
  maxTs?: bigint
  /** From the earliest to the latest timestamp; null without events. */
  timeRange: {first: string; last: string; durationNs: bigint} | null
  /** Events whose timestamp is lower than the previous event's. */
  outOfOrderTimestamps: number
  machineInfo?: MachineInfo
  threads: number
  fds: number
  interfaces: number
  users: number
  groups: number
  /** Blocks skipped with a reason (unknown block types...). */
  warnings: Array<{offset: number; message: string}>
  /** The fault that stopped reading a damaged capture; everything before it is counted. */
  error?: ScapError
}

export interface SummaryOptions {
  onProgress?: (position: number, fileSize: number) => void
}

/**
 * Reads the whole capture and summarizes it. A damaged capture is summarized up to its fault
 * (`complete: false`, `error` a ScapError with the code and byte offset); a file that cannot be
 * read at all (missing, a directory, no permission) rejects with a ScapError of code `IO`.
 */
export async function summarizeCapture(fileName: string, options: SummaryOptions = {}): Promise<CaptureSummary> {
  if (typeof fileName !== 'string' || fileName === '') throw new UsageError(`summarizeCapture: expected a file name, got ${JSON.stringify(fileName)}`)
  const summarizer = new native.Summarizer(fileName)
  for (;;) {
    const step = await summarizer.step(1 << 18)
    options.onProgress?.(step.position, step.fileSize)
    if (step.done && step.summary) {
      const summary = fromNative(fileName, step.summary)
      if (summary.error?.code === 'IO') throw summary.error
      return summary
    }
  }
}

function fromNative(fileName: string, s: Binding.SummaryJs): CaptureSummary {
  const {error, compression, ...counts} = s
  const timeRange = s.minTs === undefined || s.maxTs === undefined ? null : {first: isoNanos(s.minTs), last: isoNanos(s.maxTs), durationNs: s.maxTs - s.minTs}
  return {
    fileName,
    compression: compression as Compression,
    ...counts,
    complete: !error,
    timeRange,
    ...(error ? {error: new ScapError(error, fileName, s.events)} : {}),
  }
}

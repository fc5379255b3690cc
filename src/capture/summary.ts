// Whole-capture summary (what `scaptool info` prints), computed in slices on the thread pool.
import {ScapError} from '../errors.js'
import {native, type Binding} from '../native.js'

export type NativeSummary = Binding.SummaryJs

export interface CaptureSummary extends Omit<NativeSummary, 'error'> {
  fileName: string
  /** The fault that stopped reading; everything before it is counted. */
  error?: ScapError
}

export interface SummaryOptions {
  onProgress?: (position: number, fileSize: number) => void
}

/** Reads the whole capture and summarizes it; a damaged capture is summarized up to its fault. */
export async function summarizeCapture(fileName: string, options: SummaryOptions = {}): Promise<CaptureSummary> {
  const summarizer = new native.Summarizer(fileName)
  for (;;) {
    const step = await summarizer.step(1 << 18)
    options.onProgress?.(step.position, step.fileSize)
    if (step.done && step.summary) {
      const {error, ...rest} = step.summary
      const events = rest.events
      return {fileName, ...rest, ...(error ? {error: new ScapError(error, fileName, events)} : {})}
    }
  }
}

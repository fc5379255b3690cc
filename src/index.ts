// scaptool's library API. Everything a program needs without the CLI; the native binding
// stays private behind these typed wrappers.
export {ScapError, UsageError, type CaptureErrorCode} from './errors.js'
export {
  EventBatch,
  EventView,
  PLUGIN_EVENT,
  ASYNC_EVENT,
  hasLargePayload,
  type DecodedEvent,
} from './capture/batch.js'
export {Capture, openCapture, type CaptureNote, type ReadOptions, type ReadProgress} from './capture/reader.js'
export {summarizeCapture, type CaptureSummary, type SummaryOptions} from './capture/summary.js'
export {CaptureWriter, type Compression, type WriterOptions, type WriterStats} from './capture/writer.js'
export {eventTypeInfo, eventTypeName, type EventTypeInfo} from './capture/event-types.js'
export {convertCapture, type ConvertOptions, type ConvertResult} from './capture/convert.js'

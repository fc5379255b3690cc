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
export {PluginError, GoldenError} from './errors.js'
export {inspectPlugin, type PluginInspection, type PluginInfo, type PluginField} from './plugin/inspect.js'
export {readFalcoConfig, parseFalcoConfig, type FalcoPluginConfig, type PluginSpec} from './plugin/falco-config.js'
export {record, replay, inspectPluginIsolated, type RunControl} from './engine/run.js'
export type {RecordOptions, RecordProgress, RecordSummary, PluginRun} from './engine/record.js'
export type {ReplayOptions, ReplayProgress, ReplayResult, ReplayReport, Mismatch, OrderDifference, ColumnReport} from './engine/replay.js'
export {upgradeVerdicts, bumpBetween, type UpgradeVerdict, type Bump} from './engine/verdict.js'

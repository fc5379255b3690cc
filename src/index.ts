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
export {summarizeCapture, type CaptureSummary, type SummaryOptions, type SectionSummary, type BlockCount, type EventTypeCount, type MachineInfo} from './capture/summary.js'
export {CaptureWriter, type Compression, type WriterOptions, type WriterStats} from './capture/writer.js'
export {eventTypeInfo, eventTypeName, type EventTypeInfo} from './capture/event-types.js'
export {convertCapture, type ConvertOptions, type ConvertResult} from './capture/convert.js'
export {selectEvents, type SelectOptions, type SelectSummary, type SelectControl} from './capture/select.js'
export {mergeCaptures, type MergeOptions, type MergeSummary, type MergeInput} from './capture/merge.js'
export {diffGolden, diffCaptures, type DiffReport, type DiffOptions, type CaptureDiffOptions} from './engine/diff.js'
export {PluginError, GoldenError} from './errors.js'
export {inspectPlugin, type PluginInspection, type PluginInfo, type PluginField} from './plugin/inspect.js'
export {readFalcoConfig, parseFalcoConfig, expandRulesPath, FALCO_PLUGINS_DIR, type FalcoPluginConfig, type FalcoConfigOptions, type PluginSpec} from './plugin/falco-config.js'
export {record, replay, inspectPluginIsolated, type RunControl} from './engine/run.js'
export type {RecordOptions, RecordProgress, RecordSummary, PluginRun} from './engine/record.js'
export type {ReplayOptions, ReplayProgress, ReplayResult, ReplayReport, Mismatch, OrderDifference, ColumnReport, Positions, ValueDistribution} from './engine/replay.js'
export {upgradeVerdicts, bumpBetween, type UpgradeVerdict, type Bump} from './engine/verdict.js'
export {print, type PrintOptions, type PrintProgress, type PrintSummary, type OutputControl} from './engine/print.js'
export {runRules, type RulesOptions, type RulesProgress, type RulesSummary} from './engine/rules.js'
export {RuleSet, type LoadedRule, type LoadedMacro, type LoadedList, type PluginRequirement} from './rules/load.js'
export {compareAlerts, writeExpectedAlerts, type AlertRecord, type AlertComparison, type AlertDifference} from './rules/expected.js'
export {FilterError, type FilterLocation} from './errors.js'
export type {OutputChunk} from './worker/protocol.js'
export {toJson, isoNanos} from './json.js'
export {bundledPlugin, BUNDLED_PLUGIN} from './bundled.js'

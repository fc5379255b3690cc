// Run options checked and completed before any plugin is loaded: the plugins of a Falco
// configuration join the others, and values the native engine would refuse in serde's words
// ("invalid type: floating point `1.5`, expected u64") are refused here in the option's own.
import {UsageError} from '../errors.js'
import {falcoConfig, type FalcoPluginConfig} from '../plugin/falco-config.js'
import type {PluginRun, RecordOptions} from './record.js'
import type {ReplayOptions} from './replay.js'

/** A Falco configuration file name, or what `readFalcoConfig` returned. */
export type ConfigInput = string | FalcoPluginConfig

/** `options.plugins` followed by the plugins of `options.config`. */
function withConfig(plugins: PluginRun[] | undefined, config: ConfigInput | undefined): PluginRun[] {
  return [...(plugins ?? []), ...(config === undefined ? [] : falcoConfig(config).plugins)]
}

function integer(value: number | undefined, name: string, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`
    throw new UsageError(`${name} must be ${range}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`)
  }
}

/**
 * Golden files are plain text, or compressed by their name's extension (`.zst` zstd, `.gz` gzip,
 * read transparently): another compression's name would be a lie.
 */
export function checkGoldenName(path: string | undefined, what = 'golden'): void {
  const m = path ? /\.(gzip|zstd|bz2|xz|lz4)$/i.exec(path) : null
  if (m) {
    throw new UsageError(`${what} ${JSON.stringify(path)}: golden files are plain text, or compressed by their name: .zst (zstd) or .gz (gzip), not .${m[1]}`)
  }
}

export function completeRecordOptions(options: RecordOptions): RecordOptions {
  if (typeof options.output !== 'string' || options.output === '') throw new UsageError('record: `output` (the capture to write) is required')
  checkGoldenName(options.golden)
  integer(options.maxEvents, 'maxEvents', 1)
  integer(options.durationMs, 'durationMs', 0)
  if (options.config === undefined) return options
  const {config, ...rest} = options
  return {...rest, plugins: withConfig(options.plugins, config)}
}

export function completeReplayOptions(options: ReplayOptions): ReplayOptions {
  if (typeof options.capture !== 'string' || options.capture === '') throw new UsageError('replay: `capture` is required')
  checkGoldenName(options.golden)
  if (options.shuffleSeed !== null) integer(options.shuffleSeed, 'shuffleSeed', 0)
  integer(options.maxDetails, 'maxDetails', 0)
  integer(options.threads, 'threads', 0)
  integer(options.window, 'window', 1)
  const {config, ...rest} = options
  const plugins = withConfig(options.plugins, config)
  if (plugins.length === 0) throw new UsageError('replay: name the plugins to replay with (`plugins`, or a Falco `config`)')
  return {...rest, plugins}
}

// Rules replay: Falco rules files run on a capture without Falco. The rules are loaded and
// merged here (src/rules/load.ts keeps their file positions); the Rust engine compiles them
// against the plugins and evaluates them batch by batch; alerts arrive one string per batch.
import {statSync} from 'node:fs'

import {FilterError, UsageError} from '../errors.js'
import {native} from '../native.js'
import {expandRulesPath, falcoConfig, type FalcoPluginConfig} from '../plugin/falco-config.js'
import {RuleSet} from '../rules/load.js'
import {runIsolated} from '../worker/isolate.js'
import {drive, pluginSpecs, type OutputControl} from './print.js'
import type {PluginRun} from './record.js'

export interface RulesOptions {
  capture: string
  plugins?: PluginRun[]
  /**
   * A Falco configuration (file name, or `readFalcoConfig`'s result): its plugins join
   * `plugins`, and its `rules_files` are the rules when `rules` is absent (as Falco without -r).
   */
  config?: string | FalcoPluginConfig
  /**
   * Rules files, loaded and merged in order (a directory stands for its *.yaml/*.yml files in
   * name order, as in Falco), or an already loaded set.
   */
  rules?: string[] | RuleSet
  /** `first` (Falco's default: only the first matching rule of an event alerts) or `all`. */
  ruleMatching?: 'first' | 'all'
  /** Alerts as JSON lines (Falco's json_output). */
  json?: boolean
  jsonIncludeOutput?: boolean
  jsonIncludeTags?: boolean
  /** Text alerts start with evt.time.iso8601 instead of evt.time. */
  timeIso8601?: boolean
  /** Time zone of evt.time in alerts: UTC (default), local, or an IANA name. */
  timezone?: string
  /** Rules below this priority are not loaded. */
  minPriority?: string
  /** Also produce canonical alert records (for expected-alerts files). */
  records?: boolean
  batchEvents?: number
  /** Write the alert lines straight to this file descriptor (1: stdout) from the native side
   * instead of passing them to `onOutput` (records still arrive there). */
  outputFd?: number
}

export interface RulesProgress {
  events: number
  alerts: number
  position: number
  fileSize: number
  elapsedMs: number
  done: boolean
  /** `outputFd`'s reader went away (`| head`): the run stopped there. */
  outputClosed: boolean
}

export interface RulesSummary {
  capture: string
  events: number
  /** Alerts: Falco's "Events detected". */
  alerts: number
  /** Most severe first; Falco's short upper-case names (INFO, WARNING...). */
  byPriority: Array<{name: string; count: number}>
  /** Every loaded rule, in rule order. */
  byRule: Array<{name: string; count: number}>
  rulesLoaded: string[]
  rulesSkipped: Array<{rule: string; reason: string}>
  ruleMatching: 'first' | 'all'
  sources: string[]
  plugins: Array<{name: string; version: string; path: string}>
  /** Warnings of the rules loader (a rule without desc, ...). */
  warnings: string[]
  progress: RulesProgress
}

/** The options as the child process and the native engine take them (rules already loaded). */
export interface RulesJobOptions extends Omit<RulesOptions, 'rules'> {
  ruleSet: ReturnType<RuleSet['toNative']>
  warnings: string[]
}

function resolve(options: RulesOptions): {resolved: RulesJobOptions; set: RuleSet} {
  const config = options.config === undefined ? undefined : falcoConfig(options.config)
  const fromConfig = options.rules === undefined && config !== undefined
  const rules = options.rules ?? config?.rulesFiles ?? []
  if (!(rules instanceof RuleSet) && rules.length === 0) {
    throw new UsageError(fromConfig ? `${config!.fileName}: no rules files to load (rules_files: ${config!.warnings.join('; ') || 'empty'})` : 'no rules files: give `rules`, or a Falco `config` with rules_files')
  }
  const isDirectory = (p: string) => statSync(p, {throwIfNoEntry: false})?.isDirectory() ?? false
  const set = rules instanceof RuleSet ? rules : RuleSet.load(rules.flatMap((r) => (isDirectory(r) ? expandRulesPath(r) : [r])))
  const {rules: _rules, config: _config, ...rest} = options
  const plugins = [...(options.plugins ?? []), ...(config?.plugins ?? [])]
  const warnings = [...(fromConfig ? config!.warnings : []), ...set.warnings]
  return {resolved: {...rest, plugins, ruleSet: set.toNative(), warnings}, set}
}

/** Runs already-resolved rules in this process. */
export async function runRulesInProcess(options: RulesJobOptions | RulesOptions, control: OutputControl<RulesProgress> = {}): Promise<RulesSummary> {
  const {resolved, set} = 'ruleSet' in options ? {resolved: options, set: undefined} : resolve(options)
  const runner = new native.RulesRunner(
    JSON.stringify({
      capture: resolved.capture,
      plugins: pluginSpecs(resolved.plugins),
      ...resolved.ruleSet,
      ruleMatching: resolved.ruleMatching ?? 'first',
      json: resolved.json ?? false,
      jsonIncludeOutput: resolved.jsonIncludeOutput ?? true,
      jsonIncludeTags: resolved.jsonIncludeTags ?? true,
      timeIso8601: resolved.timeIso8601 ?? false,
      timezone: resolved.timezone ?? 'UTC',
      minPriority: resolved.minPriority ?? null,
      records: resolved.records ?? false,
      batchEvents: resolved.batchEvents ?? 16384,
      outputFd: resolved.outputFd ?? null,
    }),
  )
  try {
    const summary = await drive<RulesProgress, Omit<RulesSummary, 'warnings'>>(runner, control)
    return {...summary, warnings: resolved.warnings}
  } catch (err) {
    throw set && err instanceof FilterError ? set.locate(err) : err
  }
}

/**
 * Replays Falco rules on a capture: alerts (text or JSON lines) reach `onOutput` one chunk per
 * batch; resolves to Falco's summary (alerts by priority and by rule). Rule and macro errors
 * name the rules file, line and column. Plugins run in a child process.
 */
export async function runRules(options: RulesOptions, control: OutputControl<RulesProgress> = {}): Promise<RulesSummary> {
  const {resolved, set} = resolve(options)
  try {
    if (control.isolate === false) return await runRulesInProcess(resolved, control)
    const run = runIsolated<RulesSummary>({kind: 'rules', options: resolved}, control.onProgress as (p: unknown) => void, control.onOutput, control)
    if (control.signal?.aborted) run.stop()
    control.signal?.addEventListener('abort', () => run.stop(), {once: true})
    return await run.result
  } catch (err) {
    throw err instanceof FilterError ? set.locate(err) : err
  }
}

export {RuleSet}

// Plugin selection flags shared by record, replay and print: `--plugin lib.so` with its
// `--init-config` / `--open-params` given at the same position, or a Falco-style `-c` file.
// Repeatable flags take one value each (`multipleNonGreedy`): `-p lib.so filter words` leaves
// the filter words to the command's arguments.
import {existsSync} from 'node:fs'
import {resolve} from 'node:path'

import {Flags} from '@oclif/core'

import type {PluginRun} from '../../src/engine/record.js'
import {UsageError} from '../../src/errors.js'
import {readFalcoConfig, type FalcoPluginConfig} from '../../src/plugin/falco-config.js'

export const pluginFlags = {
  plugin: Flags.string({
    char: 'p',
    multiple: true,
    multipleNonGreedy: true,
    description: 'Plugin shared library (repeatable)',
    helpValue: 'lib.so',
  }),
  'init-config': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    description: 'Init config of the --plugin at the same position (JSON text, as the plugin expects)',
    helpValue: 'JSON',
  }),
  config: Flags.string({
    char: 'c',
    description: 'Falco-style YAML file with a plugins: list (name, library_path, init_config, open_params) and load_plugins',
    helpValue: 'falco.yaml',
  }),
  'plugin-timeout': Flags.integer({
    default: 60,
    min: 0,
    description: 'Seconds a plugin call may go without returning before it is reported and stopped (0: wait forever)',
    helpValue: 'SECONDS',
  }),
}

/** The isolation options of `--plugin-timeout`. */
export function isolation(flags: object): {pluginTimeoutMs: number} {
  const seconds = (flags as {'plugin-timeout'?: number})['plugin-timeout']
  return {pluginTimeoutMs: (seconds ?? 60) * 1000}
}

export const openParamsFlag = {
  'open-params': Flags.string({
    multiple: true,
    multipleNonGreedy: true,
    description: 'Open params of the --plugin at the same position',
    helpValue: 'TEXT',
  }),
}

/**
 * A library named on the command line: a file that exists is that file (`-p libdummy.so` in
 * its directory), not a name for dlopen's search path, which skips the working directory;
 * anything else is left to dlopen (`-p libfoo.so` installed in /usr/lib).
 */
export function pluginPath(path: string): string {
  return existsSync(path) ? resolve(path) : path
}

/** Plugins named on the command line, paired with their configs by position, then those of -c
 * (`config`: the -c file already read). */
export function pluginRuns(flags: {plugin?: string[]; 'init-config'?: string[]; 'open-params'?: string[]; config?: string}, config?: FalcoPluginConfig): PluginRun[] {
  const plugins = flags.plugin ?? []
  const configs = flags['init-config'] ?? []
  const params = flags['open-params'] ?? []
  if (configs.length > plugins.length) throw new UsageError(`${configs.length} --init-config for ${plugins.length} --plugin: give them in the same order`)
  if (params.length > plugins.length) throw new UsageError(`${params.length} --open-params for ${plugins.length} --plugin: give them in the same order`)
  const runs: PluginRun[] = plugins.map((path, i) => ({path: pluginPath(path), initConfig: configs[i] ?? '', openParams: params[i] ?? ''}))
  if (flags.config) runs.push(...(config ?? readFalcoConfig(flags.config)).plugins)
  return runs
}

/** `10s`, `500ms`, `2m`, `1h` or plain seconds → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  if (!m) throw new UsageError(`--duration ${JSON.stringify(text)}: expected a number with ms, s, m or h (e.g. 30s)`)
  const n = Number(m[1])
  const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h']
  return Math.round(n * unit)
}

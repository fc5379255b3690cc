// Falco-style configuration (`-c falco.yaml`), read as Falco reads it:
//
//   plugins:
//     - name: dummy
//       library_path: libdummy.so          # relative: see resolveLibrary below
//       init_config: '{"jitter": 10}'      # a string, or a mapping (sent as JSON)
//       open_params: '{"start": 1}'
//   load_plugins: [dummy]                  # optional: only these, in this order
//   rules_files: [/etc/falco/rules.yaml, rules.d]   # replay's rules when no -r is given
//
// The result feeds record(), replay(), print() and runRules() as it is: each plugin is a
// PluginRun (`path`, `initConfig`, `openParams`) with its `name` and `libraryPath` as written.
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, isAbsolute, join, relative, resolve} from 'node:path'

import type {PluginRun} from '../engine/record.js'
import {PluginError, UsageError} from '../errors.js'

/** The YAML parser, loaded when a configuration is read: loading it costs every command start
 * about 30 ms, and most runs read no configuration. */
function yaml(): typeof import('yaml') {
  return createRequire(import.meta.url)('yaml') as typeof import('yaml')
}

/** Where Falco looks for a relative `library_path` (its FALCO_ENGINE_PLUGINS_DIR). */
export const FALCO_PLUGINS_DIR = '/usr/share/falco/plugins'

export interface PluginSpec extends PluginRun {
  name: string
  /** The library that is loaded: `libraryPath` resolved (see `readFalcoConfig`). */
  path: string
  /** `library_path` as written in the configuration. */
  libraryPath: string
  /** The init config as the plugin receives it (mappings are serialized to JSON). */
  initConfig: string
  openParams: string
}

export interface FalcoPluginConfig {
  fileName: string
  /** Plugins to load, after applying `load_plugins`. */
  plugins: PluginSpec[]
  /**
   * The rules files of `rules_files` (or Falco's deprecated `rules_file`): entries that exist,
   * a directory standing for its `*.yaml`/`*.yml` files in name order, as Falco loads them.
   */
  rulesFiles: string[]
  /** Whether the configuration names rules files at all (`rules_files` or `rules_file`). */
  hasRulesFiles: boolean
  /** What Falco skips silently and scaptool says: missing entries, files not named .yaml/.yml. */
  warnings: string[]
}

export interface FalcoConfigOptions {
  /** Directory relative paths start from (default: the working directory). */
  cwd?: string
  /** Falco's plugins directory (default FALCO_PLUGINS_DIR). */
  pluginsDir?: string
}

/**
 * Reads a Falco configuration file. Relative `library_path`s are looked for in Falco's plugins
 * directory (where Falco loads them from), then beside the configuration file, then in the
 * working directory (as sysdig's `--plugin-config-file`); a loaded plugin found in none of them
 * is a PluginError listing every path tried. Relative `rules_files` entries start from the
 * working directory (as Falco), else from the configuration's directory.
 */
export function readFalcoConfig(fileName: string, options: FalcoConfigOptions | string = {}): FalcoPluginConfig {
  let text: string
  try {
    text = readFileSync(fileName, 'utf8')
  } catch (err) {
    throw Object.assign(new Error(`${fileName}: ${(err as Error).message}`), {code: (err as {code?: string}).code})
  }
  return parseFalcoConfig(text, fileName, options)
}

export function parseFalcoConfig(text: string, fileName: string, options: FalcoConfigOptions | string = {}): FalcoPluginConfig {
  const {cwd = process.cwd(), pluginsDir = FALCO_PLUGINS_DIR} = typeof options === 'string' ? {cwd: options} : options
  const doc = yaml().parseDocument(text, {prettyErrors: true})
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [0, 0]
    throw new UsageError(`${fileName}:${line}:${col}: invalid YAML: ${e.message.split('\n')[0]}`)
  }
  const bad = (what: string) => new UsageError(`${fileName}: ${what}`)
  let root: Record<string, unknown> | null
  try {
    // the yaml package refuses alias bombs (aliases expanding without bound) here
    root = doc.toJS({maxAliasCount: 1000}) as Record<string, unknown> | null
  } catch (err) {
    throw bad(`invalid YAML: ${(err as Error).message}`)
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw bad('expected a mapping at the top level')
  const configDir = dirname(resolve(cwd, fileName))
  const list = root.plugins ?? []
  if (!Array.isArray(list)) throw bad('plugins: must be a list')
  const byName = new Map<string, {spec: PluginSpec; tried: string[]; where: string}>()
  list.forEach((entry, i) => {
    const where = `plugins[${i}]`
    if (entry === null || typeof entry !== 'object') throw bad(`${where} is not a mapping`)
    const e = entry as Record<string, unknown>
    if (typeof e.name !== 'string' || e.name === '') throw bad(`${where}.name must be a non-empty string`)
    if (typeof e.library_path !== 'string' || e.library_path === '') throw bad(`${where}.library_path must be a non-empty string`)
    if (byName.has(e.name)) throw bad(`${where}: plugin name "${e.name}" appears twice`)
    const tried = libraryCandidates(e.library_path, configDir, cwd, pluginsDir)
    byName.set(e.name, {
      spec: {
        name: e.name,
        path: tried.find((p) => existsSync(p)) ?? tried[0],
        libraryPath: e.library_path,
        initConfig: configText(e.init_config, `${where}.init_config`, bad),
        openParams: paramsText(e.open_params, `${where}.open_params`, bad),
      },
      tried,
      where,
    })
  })
  const load = root.load_plugins
  let chosen = [...byName.values()]
  if (load !== undefined && load !== null) {
    if (!Array.isArray(load) || load.some((n) => typeof n !== 'string')) throw bad('load_plugins must be a list of plugin names')
    // Falco: an empty load_plugins loads every plugin listed.
    if (load.length > 0) {
      chosen = (load as string[]).map((n) => {
        const entry = byName.get(n)
        if (!entry) throw bad(`load_plugins names "${n}", which is not in plugins:`)
        return entry
      })
    }
  }
  // Only plugins that are loaded must exist (Falco resolves the others but never opens them).
  for (const {spec, tried, where} of chosen) {
    if (tried.length > 1 && !existsSync(spec.path)) {
      throw new PluginError(`plugin '${spec.name}' (${fileName} ${where}): library_path '${spec.libraryPath}' not found; tried ${tried.join(', ')}`, spec.name, 'plugin_load')
    }
  }
  const warnings: string[] = []
  const rulesFiles = rulesFilesOf(root, fileName, configDir, cwd, warnings, bad)
  const hasRulesFiles = root.rules_files != null || root.rules_file != null
  return {fileName, plugins: chosen.map((c) => c.spec), rulesFiles, hasRulesFiles, warnings}
}

/** The plugins and rules files of `config` (a file name is read first). */
export function falcoConfig(config: string | FalcoPluginConfig): FalcoPluginConfig {
  return typeof config === 'string' ? readFalcoConfig(config) : config
}

/** Where a relative library path may be, in the order they are tried. */
function libraryCandidates(path: string, configDir: string, cwd: string, pluginsDir: string): string[] {
  if (isAbsolute(path)) return [path]
  const candidates: string[] = []
  // Falco joins the path to its plugins directory and refuses one that climbs out of it.
  const inPluginsDir = resolve(pluginsDir, path)
  const rel = relative(resolve(pluginsDir), inPluginsDir)
  if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) candidates.push(inPluginsDir)
  candidates.push(resolve(configDir, path), resolve(cwd, path))
  return [...new Set(candidates)]
}

const RULES_NAME = /\.ya?ml$/

/** `rules_files` (or `rules_file`) as Falco expands them: missing entries are skipped,
 * directories stand for their .yaml/.yml files in name order. */
function rulesFilesOf(root: Record<string, unknown>, fileName: string, configDir: string, cwd: string, warnings: string[], bad: (w: string) => Error): string[] {
  if (root.rules_files !== undefined && root.rules_file !== undefined) throw bad("both 'rules_files' and 'rules_file' keys set (as Falco refuses)")
  const key = root.rules_files !== undefined ? 'rules_files' : 'rules_file'
  const value = root[key]
  if (value === undefined || value === null) return []
  if (key === 'rules_file') warnings.push(`${fileName}: 'rules_file' is deprecated; Falco reads it, and prefers 'rules_files'`)
  const entries = typeof value === 'string' ? [value] : value
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string')) throw bad(`${key} must be a list of file or directory names`)
  const files: string[] = []
  for (const entry of entries as string[]) {
    const path = [resolve(cwd, entry), resolve(configDir, entry)].find((p) => existsSync(p))
    if (!path) {
      warnings.push(`${fileName}: ${key} entry '${entry}' does not exist: skipped (as Falco)`)
      continue
    }
    files.push(...expandRulesPath(path, warnings))
  }
  return files
}

/**
 * One rules path as Falco reads it: a directory stands for its regular `*.yaml`/`*.yml` files
 * in name order; a file is loaded when named so (Falco skips others: a warning here).
 */
export function expandRulesPath(path: string, warnings: string[] = []): string[] {
  if (existsSync(path) && statSync(path).isDirectory()) {
    return readdirSync(path)
      .map((name) => join(path, name))
      .filter((p) => statSync(p, {throwIfNoEntry: false})?.isFile() && RULES_NAME.test(p))
      .sort()
  }
  if (!RULES_NAME.test(path)) {
    warnings.push(`rules file '${path}' is not named *.yaml or *.yml: skipped (as Falco)`)
    return []
  }
  return [path]
}

function configText(value: unknown, where: string, bad: (w: string) => Error): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'object' && !Array.isArray(value)) return JSON.stringify(value)
  throw bad(`${where} must be a string or a mapping`)
}

function paramsText(value: unknown, where: string, bad: (w: string) => Error): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw bad(`${where} must be a string`)
}

// Falco-style plugin configuration (`-c falco.yaml`), as Falco and sysdig
// (`--plugin-config-file`) read it:
//
//   plugins:
//     - name: dummy
//       library_path: libdummy.so          # relative: to the config file's directory, else to
//                                          # the working directory (what sysdig does)
//       init_config: '{"jitter": 10}'      # a string, or a mapping (sent as JSON)
//       open_params: '{"start": 1}'
//   load_plugins: [dummy]                  # optional: only these, in this order
import {existsSync, readFileSync} from 'node:fs'
import {dirname, isAbsolute, resolve} from 'node:path'

import {parseDocument} from 'yaml'

import {UsageError} from '../errors.js'

export interface PluginSpec {
  name: string
  libraryPath: string
  /** The init config as the plugin receives it (mappings are serialized to JSON). */
  initConfig: string
  openParams: string
}

export interface FalcoPluginConfig {
  fileName: string
  /** Plugins to load, after applying `load_plugins`. */
  plugins: PluginSpec[]
}

export function readFalcoConfig(fileName: string, cwd = process.cwd()): FalcoPluginConfig {
  let text: string
  try {
    text = readFileSync(fileName, 'utf8')
  } catch (err) {
    throw Object.assign(new Error(`${fileName}: ${(err as Error).message}`), {code: (err as {code?: string}).code})
  }
  return parseFalcoConfig(text, fileName, cwd)
}

export function parseFalcoConfig(text: string, fileName: string, cwd = process.cwd()): FalcoPluginConfig {
  const doc = parseDocument(text, {prettyErrors: true})
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const [line, col] = e.linePos?.[0] ? [e.linePos[0].line, e.linePos[0].col] : [0, 0]
    throw new UsageError(`${fileName}:${line}:${col}: invalid YAML: ${e.message.split('\n')[0]}`)
  }
  const root = doc.toJS() as Record<string, unknown> | null
  const bad = (what: string) => new UsageError(`${fileName}: ${what}`)
  if (root === null || typeof root !== 'object' || Array.isArray(root)) throw bad('expected a mapping at the top level')
  const list = root.plugins
  if (!Array.isArray(list)) throw bad('no `plugins:` list')
  const byName = new Map<string, PluginSpec>()
  list.forEach((entry, i) => {
    const where = `plugins[${i}]`
    if (entry === null || typeof entry !== 'object') throw bad(`${where} is not a mapping`)
    const e = entry as Record<string, unknown>
    if (typeof e.name !== 'string' || e.name === '') throw bad(`${where}.name must be a non-empty string`)
    if (typeof e.library_path !== 'string' || e.library_path === '') throw bad(`${where}.library_path must be a non-empty string`)
    if (byName.has(e.name)) throw bad(`${where}: plugin name "${e.name}" appears twice`)
    byName.set(e.name, {
      name: e.name,
      libraryPath: resolveLibrary(e.library_path, fileName, cwd),
      initConfig: configText(e.init_config, `${where}.init_config`, bad),
      openParams: paramsText(e.open_params, `${where}.open_params`, bad),
    })
  })
  const load = root.load_plugins
  let plugins = [...byName.values()]
  if (load !== undefined && load !== null) {
    if (!Array.isArray(load) || load.some((n) => typeof n !== 'string')) throw bad('load_plugins must be a list of plugin names')
    // Falco: an empty load_plugins loads every plugin listed.
    if (load.length > 0) {
      plugins = (load as string[]).map((n) => {
        const spec = byName.get(n)
        if (!spec) throw bad(`load_plugins names "${n}", which is not in plugins:`)
        return spec
      })
    }
  }
  return {fileName, plugins}
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

/** Relative paths: the config file's directory first, then the working directory (sysdig). */
function resolveLibrary(path: string, fileName: string, cwd: string): string {
  if (isAbsolute(path)) return path
  const besideConfig = resolve(dirname(resolve(cwd, fileName)), path)
  if (existsSync(besideConfig)) return besideConfig
  return resolve(cwd, path)
}

// Plugin inspection: what the plugin host learned loading (and optionally initializing) a
// plugin, as the framework of its API generation would.
import {engineError, type NativeEngineError} from '../errors.js'
import {native} from '../native.js'

export type FieldType = 'string' | 'uint64' | 'bool' | 'reltime' | 'abstime' | 'ipaddr' | 'ipnet' | 'int64' | 'float'

export interface PluginField {
  id: number
  name: string
  type: FieldType
  isList: boolean
  arg: {isRequired: boolean; isIndex: boolean; isKey: boolean; legacyText: boolean}
  display: string
  desc: string
  properties: string[]
  addOutput: boolean
}

export interface PluginInfo {
  path: string
  name: string
  description: string
  contact: string
  version: string
  requiredApiVersion: string
  /** `seed`, `0.1`, `0.2`, `0.3`, `1.x`, `2.x`, `3.x`. */
  generation: string
  frameworkApiVersion: {major: number; minor: number; patch: number}
  pluginType: number | null
  capabilities: {sourcing: boolean; extraction: boolean; parsing: boolean; async: boolean; captureListening: boolean}
  id: number | null
  eventSource: string | null
  extractEventSources: string[]
  parseEventSources: string[]
  asyncEvents: string[]
  asyncEventSources: string[]
  fields: PluginField[]
  initSchema: {schemaType: number; text: string} | null
  concurrentStatesAllowed: boolean
  /** Calls of distinct states may run at the same time (2.0+, except Go c-shared libraries). */
  parallelCallsAllowed: boolean
  symbols: string[]
  warnings: string[]
}

export interface PluginInspection {
  info: PluginInfo
  initialized: boolean
  /** The init config text the plugin received (after the framework's defaulting). */
  initConfig: string | null
  openParams: Array<{value: string; desc: string; separator: string}> | null
  extractEventTypes: 'All' | {Only: number[]} | null
  requiredEventSchemaVersion: string | null
  /** Why init failed (the info is still valid): a PluginError. */
  initError?: Error
}

/** Result of a native call: `{ok}` or `{error}` (native/node/src/json.rs). */
export function unwrap<T>(json: string): T {
  const o = JSON.parse(json) as {ok?: T; error?: NativeEngineError}
  if (o.error) throw engineError(o.error)
  return o.ok as T
}

/**
 * Loads and validates a plugin library (API version, symbols, capabilities, fields JSON);
 * with `initConfig` (use '' for the default), also initializes it to read its open params.
 * Throws a PluginError naming the rule the plugin breaks.
 */
export async function inspectPlugin(path: string, options: {initConfig?: string} = {}): Promise<PluginInspection> {
  const raw = unwrap<Omit<PluginInspection, 'initError'> & {initError?: NativeEngineError | null}>(
    await native.inspectPlugin(path, options.initConfig),
  )
  const {initError, ...rest} = raw
  return initError ? {...rest, initError: engineError(initError)} : rest
}

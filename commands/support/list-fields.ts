// `--list-fields`: the loaded plugins' fields in the layout of `falco --list` (libsinsp's
// field class listing): a rule line, the class (`<plugin> (plugin)`), its event sources, then
// one line per field with its flags, descriptions word-wrapped at 120 columns.
import type {PluginRun} from '../../src/engine/record.js'
import {inspectPluginIsolated} from '../../src/engine/run.js'
import {UsageError} from '../../src/errors.js'
import type {PluginInfo, PluginField} from '../../src/plugin/inspect.js'
import type {IsolationOptions} from '../../src/worker/isolate.js'
import type {Outcome} from './command.js'
import {EXIT} from './exit-codes.js'

const RIGHT_BLOCK = 30
const WIDTH = 120

/** libsinsp's wrapping: words after the 30-column left block, lines of at most 90 characters
 * counting a space after each word. */
function wrap(text: string): string {
  let out = ''
  let len = 0
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const wordLen = word.length + 1
    if (len + wordLen <= WIDTH - RIGHT_BLOCK) len += wordLen
    else {
      out += '\n' + ' '.repeat(RIGHT_BLOCK)
      len = wordLen
    }
    out += word + ' '
  }
  return out
}

/** The tags libsinsp shows before a plugin field's description, sorted as its std::set. */
function tags(f: PluginField): string[] {
  const t = new Set<string>()
  const a = f.arg
  // Text arguments (plugins before API 1.0) take any string: shown as keys.
  const isKey = a.isKey || a.legacyText
  if (a.isRequired) t.add('ARG_REQUIRED')
  else if (a.isIndex || isKey) t.add('ARG_ALLOWED')
  if (a.isRequired || a.isIndex || isKey) {
    if (a.isIndex) t.add('ARG_INDEX')
    if (isKey) t.add('ARG_KEY')
  }
  if (f.isList) t.add('EPF_IS_LIST')
  return [...t].sort()
}

function pad(label: string): string {
  return label.length >= RIGHT_BLOCK ? label : label.padEnd(RIGHT_BLOCK)
}

/** One field class, as `falco --list` prints it. */
function fieldClass(p: PluginInfo, sources: string[]): string {
  const lines = ['-------------------------------', `${pad('Field Class:')}${p.name} (plugin)`]
  if (sources.length > 0) lines.push(`${pad('Event Sources:')}${sources.map((s) => `${s} `).join('')}`)
  lines.push('')
  for (const f of p.fields) {
    if (f.properties.includes('hidden')) continue // libsinsp's EPF_TABLE_ONLY: not listed
    const t = tags(f)
    const desc = t.length > 0 ? `(${t.join(',')}) ${f.desc}` : f.desc
    const name = f.name.length > RIGHT_BLOCK ? `${f.name}\n${' '.repeat(RIGHT_BLOCK)}` : pad(f.name)
    lines.push(name + wrap(desc))
  }
  // each line ends with a newline, and Falco prints the class with one more
  return lines.join('\n') + '\n\n'
}

/**
 * The listing of `falco --list` restricted to the plugins' field classes: each plugin with
 * fields, once, under the loaded event sources it extracts from (an extractor without a
 * source list extracts from every source, `syscall` included, as in Falco), sources in the
 * order Falco registers them (syscall, then the plugins' sources in load order). A plugin
 * whose sources are not loaded (Falco refuses it) comes last, under the sources it names.
 */
export function listFields(plugins: PluginInfo[]): string {
  const sources = ['syscall', ...new Set(plugins.filter((p) => p.capabilities.sourcing && p.eventSource).map((p) => p.eventSource!))]
  const extractsFrom = (p: PluginInfo): string[] => {
    if (p.capabilities.sourcing && p.extractEventSources.length === 0) return p.eventSource ? [p.eventSource] : []
    return p.extractEventSources.length === 0 ? sources : sources.filter((s) => p.extractEventSources.includes(s))
  }
  const printed = new Set<PluginInfo>()
  let out = ''
  for (const source of sources) {
    for (const p of plugins) {
      if (printed.has(p) || p.fields.length === 0 || !extractsFrom(p).includes(source)) continue
      printed.add(p)
      out += fieldClass(p, [...extractsFrom(p)].sort())
    }
  }
  for (const p of plugins) if (!printed.has(p) && p.fields.length > 0) out += fieldClass(p, [...p.extractEventSources].sort())
  return out
}

/** `--list-fields`: loads each plugin (in a child process) and lists its fields. */
export async function listFieldsOutcome(plugins: PluginRun[], isolation: IsolationOptions): Promise<Outcome> {
  if (plugins.length === 0) throw new UsageError('--list-fields lists the fields of the loaded plugins: name them with -p lib.so or -c falco.yaml')
  const infos: PluginInfo[] = []
  for (const p of plugins) infos.push((await inspectPluginIsolated(p.path, isolation)).info)
  return {
    data: infos.map((i) => ({plugin: i.name, version: i.version, path: i.path, eventSource: i.eventSource, extractEventSources: i.extractEventSources, fields: i.fields})),
    text: listFields(infos).replace(/\n$/, ''),
    exitCode: EXIT.OK,
  }
}

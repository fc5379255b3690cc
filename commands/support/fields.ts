// The fields table of `plugin info` and `plugin fields`.
import type {PluginField} from '../../src/plugin/inspect.js'

function argument(f: PluginField): string {
  const a = f.arg
  if (a.legacyText) return a.isRequired ? 'required (text)' : 'optional (text)'
  if (!a.isIndex && !a.isKey) return '-'
  const kind = [a.isIndex ? 'index' : '', a.isKey ? 'key' : ''].filter(Boolean).join(' or ')
  return `${a.isRequired ? 'required' : 'optional'} ${kind}`
}

export function fieldRows(fields: PluginField[]): string[][] {
  return [['name', 'type', 'argument', 'list', 'description'], ...fields.map((f) => [f.name, f.type, argument(f), f.isList ? 'yes' : '-', f.desc])]
}

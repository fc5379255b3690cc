// Falco rules files: `rule`, `macro`, `list` and `required_plugin_versions` items, read with
// their positions so that every error names file:line:col (filter errors down to the column of
// the offending token inside a condition). Files are merged in order, as Falco loads several
// `-r` files: a later item with the same name replaces an earlier one, or extends it with
// `append: true` (condition / items appended) or `override: {key: append|replace}`; a rule
// item with only `rule` and `enabled` turns an earlier rule on or off.
//
// Keys follow Falco's rule schema (`rule_json_schema.h`); keys that do not change which alerts
// are given (capture, warn_evttypes, required_engine_version...) are accepted and ignored.
// What current Falco refuses is an error here too, and what it only warns about (an unknown
// key, an unknown item, deprecated `append: true`...) is a warning, in Falco's words where a
// user would search for them: test/rules-falco.test.ts runs both on the same files.
// Rule `exceptions` become part of the condition, as in Falco (see exceptions.ts).
import {readFileSync} from 'node:fs'

import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap} from 'yaml'

import {caretLines, FilterError, UsageError, type FilterLocation} from '../errors.js'
import {appendExceptions, checkException, exceptionClauses, readExceptions, type RuleException} from './exceptions.js'

/** A piece of a condition or output text and where it came from in a file. */
interface Segment {
  /** Offset (UTF-16) of the piece in the merged text. */
  at: number
  text: string
  file: string
  /** The YAML scalar's source: offsets of its token in the file text. */
  start: number
  end: number
  lines: LineCounter
  source: string
  /** What the piece is when it is not the text itself (a rule exception): errors in it name
   * this and point at the item. */
  label?: string
}

interface Located {
  text: string
  segments: Segment[]
}

export interface LoadedRule {
  name: string
  desc: string
  condition: string
  output: string
  priority: string
  source: string
  enabled: boolean
  tags: string[]
  skipIfUnknownFilter: boolean
  /** Falco exceptions, folded into the condition when the rules are compiled. */
  exceptions: RuleException[]
  /** `file:line:col` of the item. */
  where: string
}

export interface LoadedMacro {
  name: string
  condition: string
  where: string
}

export interface LoadedList {
  name: string
  items: string[]
  where: string
}

export interface PluginRequirement {
  name: string
  version: string
  alternatives: Array<{name: string; version: string}>
  where: string
}

/** Rules, macros and lists of one or more files, merged, with the positions of their texts. */
export class RuleSet {
  rules: LoadedRule[] = []
  macros: LoadedMacro[] = []
  lists: LoadedList[] = []
  requiredPluginVersions: PluginRequirement[] = []
  warnings: string[] = []
  files: string[] = []
  /** `rule NAME condition`, `rule NAME output`, `macro NAME condition` → where the text is. */
  private readonly texts = new Map<string, Located>()
  /** Each file's text, for the lines of error messages. */
  private readonly fileTexts = new Map<string, string>()

  /** The options the native rules engine takes (see native/engine/src/rules.rs). */
  toNative(): {rules: unknown[]; macros: unknown[]; lists: unknown[]; requiredPluginVersions: unknown[]} {
    return {
      rules: this.rules.map((r) => ({
        name: r.name,
        condition: this.conditionOf(r).text,
        output: r.output,
        priority: r.priority,
        source: r.source,
        enabled: r.enabled,
        tags: r.tags,
        skipIfUnknownFilter: r.skipIfUnknownFilter,
        // Every exception's fields are checked, with values or not (Falco's validation).
        exceptions: r.exceptions.filter((e) => e.fields !== undefined).map((e) => ({name: e.name, fields: typeof e.fields === 'string' ? [e.fields] : e.fields})),
        where: r.where,
      })),
      macros: this.macros.map((m) => ({name: m.name, condition: m.condition})),
      lists: this.lists.map((l) => ({name: l.name, items: l.items})),
      requiredPluginVersions: this.requiredPluginVersions,
    }
  }

  /** A rule's condition as compiled: with exceptions, `(condition) and not (...)...`, with
   * the positions of every piece (the condition's own, then one per exception). */
  private conditionOf(rule: LoadedRule): Located {
    const own = this.texts.get(`rule ${rule.name} condition`) ?? {text: rule.condition, segments: []}
    const clauses = exceptionClauses(rule.exceptions)
    if (clauses.length === 0) return own
    let text = `(${own.text})`
    const segments = own.segments.map((s) => ({...s, at: s.at + 1}))
    const first = own.segments[0]
    for (const c of clauses) {
      const range = c.exception.node.range
      // An empty piece text maps every offset in it to the start of the exception's item.
      if (first && range) segments.push({...first, at: text.length, text: '', start: range[0], end: range[1], label: `exception '${c.exception.name}'`})
      text += c.text
    }
    return {text, segments}
  }

  /** Rewrites a filter error of the engine (position inside a rule's or macro's text) with
   * the file, line and column, and the file's line with a caret. */
  locate(err: FilterError): FilterError {
    const loc = err.location
    if (loc.kind === 'filter' || loc.kind === 'format') return err
    if (loc.kind === 'rule' && loc.part.startsWith('exception ')) return this.locateException(err)
    const key = `${loc.kind} ${loc.name} ${loc.part}`
    const rule = loc.kind === 'rule' && loc.part === 'condition' ? this.rules.find((r) => r.name === loc.name) : undefined
    const located = rule ? this.conditionOf(rule) : this.texts.get(key)
    const pos = located && this.filePosition(located, Buffer.from(located.text).subarray(0, loc.offset).toString().length)
    if (!pos) return err
    const what = `${loc.kind} '${loc.name}' ${pos.label ?? loc.part}`
    // Where the macro was used, as file positions: the rule's condition, or another macro's.
    const uses = (loc.usedAt ?? []).map((u) => {
      const key = u.usedIn === 'filter' ? `rule ${loc.rule} condition` : `${u.usedIn} condition`
      const usedIn = u.usedIn === 'filter' && rule ? this.conditionOf(rule) : this.texts.get(key)
      const p = usedIn && this.filePosition(usedIn, offsetOf(usedIn.text, u.line, u.col))
      const where = p ? `${p.file}:${p.line}:${p.col}` : `${u.usedIn}:${u.line}:${u.col}`
      return ` (in macro '${u.macroName}' used at ${where}${u.usedIn === 'filter' && loc.rule ? ` by rule '${loc.rule}'` : ''})`
    })
    const message = `${pos.file}:${pos.line}:${pos.col}: ${what}: ${loc.reason}${uses.join('')}\n${caretLines(pos.lineText, 1, pos.col)}`
    return new FilterError(message, {...loc, file: pos.file, fileLine: pos.line, fileCol: pos.col})
  }

  /** An exception whose fields do not resolve: the error points at the exception's item. */
  private locateException(err: FilterError): FilterError {
    const loc = err.location
    const exName = loc.part.slice('exception '.length)
    const ex = this.rules.find((r) => r.name === loc.name)?.exceptions.find((e) => e.name === exName && e.fields !== undefined)
    const at = ex && /^(.*):(\d+):(\d+)$/.exec(ex.where)
    if (!at) return err
    const [, file, line, col] = at
    const lineText = (this.fileTexts.get(file) ?? '').split(/\r\n|\n|\r/)[Number(line) - 1] ?? ''
    const message = `${ex.where}: rule '${loc.name}' exception '${exName}': ${loc.reason}\n${caretLines(lineText, 1, Number(col))}`
    return new FilterError(message, {...loc, file, fileLine: Number(line), fileCol: Number(col)})
  }

  /** The file position of character `at` of a located text. */
  private filePosition(located: Located, at: number): {file: string; line: number; col: number; lineText: string; label?: string} | undefined {
    const seg = [...located.segments].reverse().find((s) => s.at <= at) ?? located.segments[0]
    if (!seg) return undefined
    const fileOffset = mapOffset(seg.source, seg.start, seg.end, seg.text, at - seg.at)
    const pos = seg.lines.linePos(fileOffset)
    return {file: seg.file, line: pos.line, col: pos.col, lineText: seg.source.split(/\r\n|\n|\r/)[pos.line - 1] ?? '', label: seg.label}
  }

  /** Reads and merges rules files, in order. */
  static load(files: string[]): RuleSet {
    const set = new RuleSet()
    for (const f of files) {
      let text: string
      try {
        text = readFileSync(f, 'utf8')
      } catch (err) {
        throw Object.assign(new Error(`${f}: ${(err as Error).message}`), {code: (err as {code?: string}).code})
      }
      set.add(f, text)
    }
    return set
  }

  /** Adds the items of one rules file's text. */
  add(file: string, text: string): void {
    this.files.push(file)
    this.fileTexts.set(file, text)
    const lines = new LineCounter()
    const doc = parseDocument(text, {lineCounter: lines, keepSourceTokens: false})
    const where = (node: Node | null | undefined) => {
      const p = lines.linePos(node?.range?.[0] ?? 0)
      return `${file}:${p.line}:${p.col}`
    }
    const bad = (node: Node | null | undefined, message: string) => new UsageError(`${where(node)}: ${message}`)
    if (doc.errors.length > 0) {
      const e = doc.errors[0]
      const p = e.linePos?.[0]
      throw new UsageError(`${file}:${p?.line ?? 0}:${p?.col ?? 0}: invalid YAML: ${e.message.split('\n')[0]}`)
    }
    const root = doc.contents
    if (root === null || root === undefined) return
    if (!isSeq(root)) throw bad(root as Node, 'a rules file is a list of items (- rule: ..., - macro: ..., - list: ...)')
    const segment = (node: Node, value: string, at = 0): Segment => ({at, text: value, file, start: node.range![0], end: node.range![1], lines, source: text})
    for (const item of root.items) {
      // A null item (`-`, `- ~`) is skipped, as Falco does since 0.33.
      if (item === null || (isScalar(item) && item.value === null)) continue
      if (!isMap(item)) throw bad(item as Node, 'unexpected element type: each item should be a mapping (rule, macro, list, required_plugin_versions...)')
      const map = item as YAMLMap<unknown, unknown>
      /** Falco ignores keys it does not know, with a warning (given once the item loaded). */
      const warnUnknownKeys = (label: string, known: readonly string[]) => {
        for (const p of map.items) {
          const k = isScalar(p.key) ? String(p.key.value) : String(p.key)
          if (!known.includes(k)) this.warnings.push(`${where(map)}: ${label}: Unknown key '${k}'. The key will be ignored.`)
        }
      }
      const get = (key: string): Pair<unknown, unknown> | undefined => map.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair<unknown, unknown> | undefined
      const str = (key: string, required: boolean): {value: string; node: Node} | undefined => {
        const p = get(key)
        if (!p) {
          if (required) throw bad(map, `missing required key '${key}'`)
          return undefined
        }
        const v = p.value as Node
        if (!isScalar(v) || (typeof v.value !== 'string' && typeof v.value !== 'number' && typeof v.value !== 'boolean')) throw bad(v ?? map, `'${key}' must be a string`)
        return {value: String(v.value), node: v}
      }
      const bool = (key: string): boolean | undefined => {
        const p = get(key)
        if (!p) return undefined
        const v = p.value as Node
        if (!isScalar(v) || typeof v.value !== 'boolean') throw bad(v ?? map, `'${key}' must be true or false`)
        return v.value
      }
      const strList = (key: string): {value: string[]; node: Node} | undefined => {
        const p = get(key)
        if (!p) return undefined
        const v = p.value as Node
        if (v === null || (isScalar(v) && v.value === null)) return {value: [], node: map}
        if (!isSeq(v)) throw bad(v, `'${key}' must be a list`)
        return {
          value: v.items.map((x) => {
            if (!isScalar(x)) throw bad(x as Node, `'${key}' items must be strings`)
            return String(x.value)
          }),
          node: v,
        }
      }
      const overrides = (): Map<string, 'append' | 'replace'> => {
        const out = new Map<string, 'append' | 'replace'>()
        const p = get('override')
        if (!p) return out
        const v = p.value as Node
        if (!isMap(v)) throw bad(v ?? map, "'override' must map keys to append or replace")
        const kind = get('rule') ? 'rule' : get('macro') ? 'macro' : get('list') ? 'list' : undefined
        for (const q of v.items) {
          const k = isScalar(q.key) ? String(q.key.value) : ''
          const how = isScalar(q.value) ? String(q.value.value) : ''
          if (how !== 'append' && how !== 'replace') throw bad(q.value as Node, `override of '${k}' must be append or replace`)
          const allowed = kind && OVERRIDABLE[kind][how]
          if (allowed && !allowed.includes(k)) throw bad(q.key as Node, how === 'append' ? `key '${k}' cannot be appended to, use 'replace' instead` : `key '${k}' cannot be replaced`)
          out.set(k, how)
        }
        return out
      }
      // Falco looks for the item's kind in this order.
      if (get('required_engine_version')) {
        warnUnknownKeys('required_engine_version', ['required_engine_version'])
        continue
      }
      const append = bool('append') ?? false
      const ov = overrides()
      if (append && ov.size > 0) throw bad(map, "'append' and 'override' cannot be used together")
      const deprecatedAppend = (label: string) => {
        if (append) this.warnings.push(`${where(map)}: ${label}: 'append: true' is deprecated in Falco; list the keys to append under 'override' (e.g. 'override: {condition: append}')`)
      }

      if (get('required_plugin_versions')) {
        const p = get('required_plugin_versions')!
        const v = p.value as Node
        if (!isSeq(v)) throw bad(v ?? map, 'required_plugin_versions must be a list of {name, version}')
        for (const e of v.items) {
          const entry = e as Node
          if (!isMap(entry)) throw bad(entry, 'required_plugin_versions entries are {name, version, alternatives}')
          const js = (entry as YAMLMap).toJSON() as {name?: unknown; version?: unknown; alternatives?: unknown}
          if (typeof js.name !== 'string' || typeof js.version !== 'string') throw bad(entry, "required_plugin_versions entries need 'name' and 'version' strings")
          const alternatives = Array.isArray(js.alternatives) ? (js.alternatives as Array<{name?: unknown; version?: unknown}>) : []
          for (const a of alternatives) if (typeof a?.name !== 'string' || typeof a?.version !== 'string') throw bad(entry, "alternatives need 'name' and 'version' strings")
          this.requiredPluginVersions.push({name: js.name, version: String(js.version), alternatives: alternatives.map((a) => ({name: String(a.name), version: String(a.version)})), where: where(entry)})
        }
        warnUnknownKeys('required_plugin_versions', ['required_plugin_versions'])
        continue
      }

      if (get('list')) {
        const name = str('list', true)!.value
        const items = strList('items')
        if (!items) throw bad(map, `list '${name}': missing required key 'items'`)
        const prev = this.lists.find((l) => l.name === name)
        if ((append || ov.get('items') === 'append') && prev) {
          prev.items.push(...items.value)
        } else if (append || ov.get('items') === 'append') {
          throw bad(map, `list '${name}': append to a list that is not defined`)
        } else {
          const entry = {name, items: items.value, where: where(map)}
          if (prev) Object.assign(prev, entry)
          else this.lists.push(entry)
        }
        deprecatedAppend(`list '${name}'`)
        warnUnknownKeys(`list '${name}'`, LIST_KEYS)
        continue
      }

      if (get('macro')) {
        const name = str('macro', true)!.value
        const cond = str('condition', true)
        const prev = this.macros.find((m) => m.name === name)
        const key = `macro ${name} condition`
        if (append || ov.get('condition') === 'append') {
          if (!prev) throw bad(map, `macro '${name}': append to a macro that is not defined`)
          if (cond) this.appendText(key, prev, 'condition', cond.value, cond.node, segment)
        } else if (cond) {
          const entry = {name, condition: cond.value, where: where(map)}
          if (prev) Object.assign(prev, entry)
          else this.macros.push(entry)
          this.texts.set(key, {text: cond.value, segments: [segment(cond.node, cond.value)]})
        }
        deprecatedAppend(`macro '${name}'`)
        warnUnknownKeys(`macro '${name}'`, MACRO_KEYS)
        continue
      }

      if (get('rule')) {
        const name = str('rule', true)!.value
        const prev = this.rules.find((r) => r.name === name)
        // Falco reads an item without condition, output, desc and priority (and without
        // append/override) as turning an earlier rule on or off.
        const onlyEnabled = !append && ov.size === 0 && !['condition', 'output', 'desc', 'priority'].some((k) => get(k))
        if (onlyEnabled) {
          if (!prev) throw bad(map, `rule '${name}': enabling or disabling a rule that is not defined`)
          const en = bool('enabled')
          if (en === undefined) throw bad(map, `rule '${name}': missing required key 'enabled' (or condition, output, desc and priority to define the rule)`)
          prev.enabled = en
          this.warnings.push(`${where(map)}: rule '${name}': a standalone 'enabled' is deprecated in Falco; add 'override: {enabled: replace}'`)
          warnUnknownKeys(`rule '${name}'`, RULE_KEYS)
          continue
        }
        const exceptionsNode = get('exceptions')?.value as Node | undefined
        const exceptions = exceptionsNode === undefined ? undefined : readExceptions(exceptionsNode, name, where, bad, (node, message) => this.warnings.push(`${where(node)}: ${message}`))
        const priority = str('priority', false)
        if (priority && !PRIORITY_NAMES.includes(priority.value.toLowerCase())) {
          throw bad(priority.node, `rule '${name}': unknown priority '${priority.value}' (${PRIORITY_HELP})`)
        }
        if (append || ov.size > 0) {
          if (ov.size > 0) {
            for (const [k, mode] of ov) if (!get(k)) throw bad(map, `rule '${name}': an ${mode} override for '${k}' was specified but '${k}' is not defined`)
          } else if (!get('condition') && !get('exceptions')) {
            throw bad(map, `rule '${name}': an appended rule must have exceptions or condition property`)
          }
          if (!prev) throw bad(map, `rule '${name}': append/override of a rule that is not defined`)
          // An item that overrides keys must say how for each key it sets.
          if (ov.size > 0) {
            const unexpected = map.items.find((p) => isScalar(p.key) && OVERRIDABLE_RULE_KEYS.includes(String(p.key.value)) && !ov.has(String(p.key.value)))
            if (unexpected) throw bad(unexpected.key as Node, `rule '${name}': unexpected key '${(unexpected.key as {value: unknown}).value}': no corresponding entry under 'override' is defined`)
          }
          // The item's source, when it changes the condition, must be the rule's.
          const itemSource = str('source', false)?.value
          if (itemSource && (append || ov.has('condition')) && itemSource !== prev.source) throw bad(map, `rule '${name}' has been re-defined with a different source ('${itemSource}', was '${prev.source}')`)
          // `append: true` appends the condition and exceptions only (other keys are ignored).
          const how = (k: string) => (append ? (k === 'condition' || k === 'exceptions' ? 'append' : undefined) : ov.get(k))
          for (const k of ['condition', 'output', 'desc'] as const) {
            const v = str(k, false)
            const mode = how(k)
            if (!v || !mode) continue
            if (mode === 'append') this.appendText(`rule ${name} ${k}`, prev, k, v.value, v.node, segment)
            else {
              prev[k] = v.value
              if (k !== 'desc') this.texts.set(`rule ${name} ${k}`, {text: v.value, segments: [segment(v.node, v.value)]})
            }
          }
          const tags = strList('tags')
          if (tags && how('tags') === 'append') prev.tags.push(...tags.value)
          else if (tags && how('tags') === 'replace') prev.tags = tags.value
          if (priority && how('priority') === 'replace') prev.priority = priority.value
          const exMode = how('exceptions')
          if (exceptions && exMode === 'append') appendExceptions(prev.exceptions, exceptions, name, bad)
          else if (exceptions && exMode === 'replace') {
            for (const ex of exceptions) checkException(ex, name, bad)
            prev.exceptions = exceptions
          }
          const en = bool('enabled')
          if (en !== undefined && how('enabled') === 'replace') prev.enabled = en
          deprecatedAppend(`rule '${name}'`)
          warnUnknownKeys(`rule '${name}'`, RULE_KEYS)
          continue
        }
        // Required in this order, as Falco checks them.
        const condition = str('condition', true)!
        const output = str('output', true)!
        const desc = str('desc', true)!
        if (!priority) throw bad(map, `rule '${name}': missing required key 'priority'`)
        for (const ex of exceptions ?? []) checkException(ex, name, bad)
        const source = str('source', false)?.value ?? 'syscall'
        if (prev && prev.source !== source) throw bad(map, `rule '${name}' has been re-defined with a different source ('${source}', was '${prev.source}')`)
        // Falco trims a defined rule's output (not the text an append adds).
        const outputText = output.value.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
        const rule: LoadedRule = {
          name,
          desc: desc.value,
          condition: condition.value,
          output: outputText,
          priority: priority.value,
          source,
          enabled: bool('enabled') ?? true,
          tags: strList('tags')?.value ?? [],
          skipIfUnknownFilter: bool('skip-if-unknown-filter') ?? false,
          exceptions: exceptions ?? [],
          where: where(map),
        }
        if (prev) Object.assign(prev, rule)
        else this.rules.push(rule)
        this.texts.set(`rule ${name} condition`, {text: condition.value, segments: [segment(condition.node, condition.value)]})
        this.texts.set(`rule ${name} output`, {text: outputText, segments: [segment(output.node, outputText)]})
        warnUnknownKeys(`rule '${name}'`, RULE_KEYS)
        continue
      }
      // An empty mapping or one of unknown keys: Falco skips it with a warning.
      this.warnings.push(`${where(map)}: Unknown top level item`)
    }
  }

  /** Falco appends with a space between the old and the new text. */
  private appendText(key: string, target: {condition?: string; output?: string; desc?: string}, field: 'condition' | 'output' | 'desc', value: string, node: Node, segment: (n: Node, v: string, at: number) => Segment): void {
    const before = target[field] ?? ''
    target[field] = `${before} ${value}`
    const located = this.texts.get(key)
    if (located) {
      located.text = target[field]!
      located.segments.push(segment(node, value, before.length + 1))
    }
  }
}

/** The character index of a 1-based line and column in `text` (lines broken as the filter
 * parser breaks them: \n, \r, \r\n). */
function offsetOf(text: string, line: number, col: number): number {
  let l = 1
  let i = 0
  while (l < line && i < text.length) {
    if (text[i] === '\r' && text[i + 1] === '\n') i++
    if (text[i] === '\n' || text[i] === '\r') l++
    i++
  }
  return Math.min(text.length, i + [...text.slice(i)].slice(0, col - 1).join('').length)
}

/** The keys of each kind of item (Falco's rule schema); others get a warning and are ignored. */
const LIST_KEYS = ['list', 'items', 'append', 'override'] as const
const MACRO_KEYS = ['macro', 'condition', 'append', 'override'] as const
/** What `override` may append or replace, per kind of item. */
const OVERRIDABLE: Record<'rule' | 'macro' | 'list', Record<'append' | 'replace', readonly string[]>> = {
  rule: {
    append: ['condition', 'output', 'desc', 'tags', 'exceptions'],
    replace: ['condition', 'output', 'desc', 'priority', 'capture', 'capture_duration', 'tags', 'exceptions', 'enabled', 'warn_evttypes', 'skip-if-unknown-filter'],
  },
  macro: {append: ['condition'], replace: ['condition']},
  list: {append: ['items'], replace: ['items']},
}
const OVERRIDABLE_RULE_KEYS = [...new Set([...OVERRIDABLE.rule.append, ...OVERRIDABLE.rule.replace])]
const RULE_KEYS = ['rule', 'condition', 'output', 'desc', 'priority', 'source', 'enabled', 'capture', 'capture_duration', 'warn_evttypes', 'skip-if-unknown-filter', 'tags', 'exceptions', 'override', 'append'] as const

const PRIORITY_NAMES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'informational', 'info', 'debug']
const PRIORITY_HELP = 'Emergency, Alert, Critical, Error, Warning, Notice, Informational (or Info), Debug'

/**
 * The offset in the file of character `target` of a YAML scalar's value, whose token spans
 * `source[start, end)`. The value differs from the token by quotes, escapes, block indicators,
 * indentation and folded line breaks: walk both, letting whitespace runs match each other.
 */
export function mapOffset(source: string, start: number, end: number, value: string, target: number): number {
  let i = start
  const c0 = source[i]
  if (c0 === '"' || c0 === "'") i++
  else if (c0 === '|' || c0 === '>') {
    while (i < end && source[i] !== '\n') i++
    i++
  }
  let j = 0
  const ws = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r'
  // An error at the end of the text points just after its last character, not at the layout
  // (a folded scalar's final line break) that follows it.
  const last = value.trimEnd().length
  const atEnd = target >= last
  target = Math.min(target, last)
  while (j < target && i < end) {
    if (source[i] === value[j]) {
      i++
      j++
    } else if (ws(source[i]) && ws(value[j])) {
      while (i < end && ws(source[i])) i++
      while (j < target && ws(value[j])) j++
    } else if (ws(source[i]) || source[i] === '\\' || source[i] === "'") {
      i++
    } else {
      i++
      j++
    }
  }
  // At the target: skip layout that precedes its character in the source.
  if (!atEnd) while (i < end && ws(source[i]) && !ws(value[target])) i++
  return i
}

export type {FilterLocation}

// One `print` case run by both sides: current libsinsp (the oracle's sinsp-example) and scaptool
// (the CLI as users run it, or the library in this process for the fuzz), each normalized to
// "the lines a printer built on libsinsp prints, or the part that was refused". Used by
// print-libsinsp.test.ts and print-libsinsp-fuzz.test.ts.
//
// sinsp-example is a demo front end, so three of its habits are undone here, not in scaptool:
// * A format without `*` whose field has no value: libsinsp's formatter returns false, which
//   sysdig and Falco honour by not printing; sinsp-example prints the partial text anyway (text)
//   or its formatter's reused JSON object, stale keys included (JSON). So text formats get a
//   marker at their start and one at their end, and only events that reach the end count (a
//   value may hold a newline: events are told apart by the start marker); JSON runs with `*`
//   and the lines holding a null are dropped.
// * It appends ` name_with_underscores=%name` to every format for each plugin field flagged
//   `addOutput` (a 3.8+ "suggested output" field): the scaptool side gets the same suffix.
// * A filter it cannot compile is reported on stderr and the run goes on unfiltered; a format it
//   cannot compile aborts it.
import {print, FilterError, inspectPlugin} from '../src/index.js'
import {cli} from './helpers.js'
import {sinspExample, type OraclePlugin} from './oracle.js'

export interface PrintCase {
  capture: string
  plugins: OraclePlugin[]
  filter?: string
  format: string
  json?: boolean
}

export interface Printed {
  /** Which part was refused (not compiled); `lines` is then empty. */
  refused?: 'filter' | 'format'
  message?: string
  lines: string[]
}

/** Texts that no field value or format of the tests contains. */
const START = '\u00a7BEGIN\u00a7'
const END = '\u00a7END\u00a7'

const suggestedCache = new Map<string, string>()

/** What sinsp-example appends to every format for the plugins' `addOutput` fields. */
export async function suggestedSuffix(plugins: OraclePlugin[]): Promise<string> {
  let out = ''
  for (const p of plugins) {
    let s = suggestedCache.get(p.path)
    if (s === undefined) {
      const {info} = await inspectPlugin(p.path, {initConfig: p.initConfig})
      s = info.fields
        .filter((f) => f.addOutput)
        .map((f) => ` ${f.name.replaceAll('.', '_')}=%${f.name}`)
        .join('')
      suggestedCache.set(p.path, s)
    }
    out += s
  }
  return out
}

/** What current libsinsp prints for the case (sinsp-example, normalized as said above). */
export function oraclePrint(c: PrintCase): Printed {
  const star = c.format.startsWith('*')
  const format = c.json ? (star ? c.format : `*${c.format}`) : star ? c.format : START + c.format + END
  const r = sinspExample(c.capture, {plugins: c.plugins, filter: c.filter, format, json: c.json})
  if (r.filterError !== undefined) return {refused: 'filter', message: r.filterError, lines: []}
  if (r.formatError !== undefined) return {refused: 'format', message: r.formatError, lines: []}
  if (r.status !== 0) throw new Error(`sinsp-example exited ${r.status} (${r.signal ?? 'no signal'}): ${r.stderr}`)
  if (star) return {lines: r.lines}
  // JSON: a format without plain fields prints `null` (nothing to be missing)
  if (c.json) return {lines: r.lines.filter((l) => !Object.values((JSON.parse(l) as Record<string, unknown> | null) ?? {}).includes(null))}
  const text = r.stdout.slice(r.stdout.indexOf('-- Start capture\n') + '-- Start capture\n'.length, r.stdout.lastIndexOf('-- EOF\n'))
  const complete: string[] = []
  for (const record of text.split(START).slice(1)) {
    const at = record.indexOf(END)
    // one event's output and its newline; no end marker: the formatter gave up
    if (at >= 0) complete.push((record.slice(0, at) + record.slice(at + END.length)).replace(/\n$/, ''))
  }
  return {lines: complete.length === 0 ? [] : complete.join('\n').split('\n')}
}

function lines(text: string): string[] {
  const l = text.split('\n')
  if (l.at(-1) === '') l.pop()
  return l
}

/** `scaptool print` (the CLI in a child process) with sinsp-example's suggested-field suffix. */
export async function scaptoolCli(c: PrintCase): Promise<Printed> {
  const args = ['print', c.capture]
  if (c.filter !== undefined) args.push(c.filter)
  for (const p of c.plugins) args.push('-p', p.path, '--init-config', p.initConfig ?? '')
  args.push('-o', c.format + (await suggestedSuffix(c.plugins)))
  if (c.json) args.push('-j')
  const r = await cli(args)
  if (r.status === 2) {
    // -j prints the error as JSON on stdout; text mode names the part (`filter:1:5:`, `output:1:2:`)
    const text = c.json ? JSON.stringify((JSON.parse(r.stdout) as {error: unknown}).error) : r.stderr
    const kind = c.json ? /"kind":"(filter|format)"/.exec(text)?.[1] : /^error: (filter|output):/m.exec(text)?.[1]
    if (!kind) throw new Error(`scaptool print exited 2 without a filter or format error: ${r.stdout}${r.stderr}`)
    return {refused: kind === 'filter' ? 'filter' : 'format', message: text.trim(), lines: []}
  }
  if (r.status !== 0) throw new Error(`scaptool print exited ${r.status}: ${r.stderr}`)
  return {lines: lines(r.stdout)}
}

/** `print()` of the library in this process (what the CLI runs), for the many fuzz cases. */
export async function scaptoolLib(c: PrintCase): Promise<Printed> {
  let text = ''
  try {
    await print(
      {
        capture: c.capture,
        plugins: c.plugins.map((p) => ({path: p.path, initConfig: p.initConfig ?? ''})),
        filter: c.filter,
        format: c.format + (await suggestedSuffix(c.plugins)),
        json: c.json ?? false,
      },
      {onOutput: ({text: t}) => void (text += t), isolate: false},
    )
  } catch (error) {
    if (error instanceof FilterError) {
      return {refused: error.location?.kind === 'filter' ? 'filter' : 'format', message: error.message, lines: []}
    }
    throw error
  }
  return {lines: lines(text)}
}

/** The first difference between two outcomes, described; undefined when they agree. */
export function difference(want: Printed, got: Printed): string | undefined {
  if (want.refused || got.refused) {
    if (want.refused === got.refused) return undefined
    const say = (p: Printed) => (p.refused ? `refuses the ${p.refused}: ${p.message}` : `prints ${p.lines.length} lines (first: ${JSON.stringify(p.lines[0])})`)
    return `libsinsp ${say(want)}\nscaptool ${say(got)}`
  }
  const n = Math.max(want.lines.length, got.lines.length)
  for (let i = 0; i < n; i++) {
    if (want.lines[i] !== got.lines[i]) {
      return `line ${i + 1} of ${want.lines.length} (libsinsp) / ${got.lines.length} (scaptool):\n  libsinsp: ${JSON.stringify(want.lines[i])}\n  scaptool: ${JSON.stringify(got.lines[i])}`
    }
  }
  return undefined
}

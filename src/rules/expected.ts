// Expected alerts: the alerts a rules replay produced, stored like golden field values so that
// a rule regression fails CI. One JSON object per line, in capture order, keys in a fixed
// order (diff-friendly: a changed alert is a changed line):
//   {"evtnum":2,"time":"2026-…Z","rule":"My Dummy Rule","priority":"Informational","source":"dummy","output":"…","fields":{…}}
// `time` is UTC (independent of --timezone); `output` is the rule's output alone.
import {readFileSync} from 'node:fs'

import {GoldenError} from '../errors.js'
import {writeOutputFile} from '../output-file.js'

export interface AlertRecord {
  evtnum: number
  time: string
  rule: string
  priority: string
  source: string
  output: string
  fields: Record<string, unknown>
}

export interface AlertDifference {
  /** `missing`: expected, not produced; `unexpected`: produced, not expected; `changed`: same
   * event and rule, another output or priority. */
  kind: 'missing' | 'unexpected' | 'changed'
  evtnum: number
  rule: string
  expected: string | null
  actual: string | null
}

export interface AlertComparison {
  file: string
  expected: number
  actual: number
  matched: number
  differences: AlertDifference[]
  /** Differences beyond those listed. */
  more: number
  passed: boolean
}

const HEADER = '# scaptool expected alerts: one JSON object per line (evtnum, time, rule, priority, source, output, fields)'

/**
 * Writes the records atomically (temporary file in the same directory, then rename). `inputs`
 * (the capture, the rules files) are never overwritten, nor is a capture or golden file.
 */
export function writeExpectedAlerts(file: string, recordsJsonl: string, inputs: string[] = []): void {
  writeOutputFile(file, `${HEADER}\n${recordsJsonl}`, {kind: 'report', inputs})
}

function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))
}

/** Compares produced records (JSON lines) with an expected-alerts file. */
export function compareAlerts(file: string, actualJsonl: string, maxDetails = 20): AlertComparison {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw Object.assign(new Error(`${file}: ${(err as Error).message} (write it with --update-alerts)`), {code: (err as {code?: string}).code})
  }
  const expected = lines(text)
  const actual = lines(actualJsonl)
  const key = (l: string) => {
    const r = JSON.parse(l) as AlertRecord
    return `${r.evtnum}\u0000${r.rule}`
  }
  const parse = (l: string, where: string): AlertRecord => {
    try {
      return JSON.parse(l) as AlertRecord
    } catch {
      throw new GoldenError(`${file}: ${where}: not a JSON alert record: ${l.slice(0, 80)}`, file)
    }
  }
  const exp = new Map<string, string>()
  expected.forEach((l, i) => exp.set(key(JSON.stringify(parse(l, `line ${i + 2}`))), l))
  const act = new Map<string, string>()
  for (const l of actual) act.set(key(l), l)
  const differences: AlertDifference[] = []
  let total = 0
  let matched = 0
  const push = (d: AlertDifference) => {
    total++
    if (differences.length < maxDetails) differences.push(d)
  }
  // Walk both in capture order (evt.num, then file order).
  const keys = [...new Set([...exp.keys(), ...act.keys()])].sort((a, b) => Number(a.split('\u0000')[0]) - Number(b.split('\u0000')[0]))
  for (const k of keys) {
    const e = exp.get(k)
    const a = act.get(k)
    const [evt, rule] = k.split('\u0000')
    if (e !== undefined && a !== undefined) {
      if (JSON.stringify(JSON.parse(e)) === JSON.stringify(JSON.parse(a))) matched++
      else push({kind: 'changed', evtnum: Number(evt), rule, expected: e, actual: a})
    } else if (e !== undefined) push({kind: 'missing', evtnum: Number(evt), rule, expected: e, actual: null})
    else push({kind: 'unexpected', evtnum: Number(evt), rule, expected: null, actual: a!})
  }
  return {file, expected: expected.length, actual: actual.length, matched, differences, more: total - differences.length, passed: total === 0}
}

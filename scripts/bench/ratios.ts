// Issue #11 benchmark: scaptool against Debian's sysdig 0.29.3 on the five workloads of a
// plugin capture, measured side by side in one run with the same plugin library (the C dummy
// on plugin API 0.3, which sysdig 0.29.3 loads). Ratio = sysdig's time / scaptool's time:
// above 1, scaptool is faster. Each pair runs alternately (sysdig, scaptool, sysdig, ...) so
// that a change of machine load weighs on both; medians of BENCH_RUNS.
//
//   scan             sysdig -r F "evt.num < 0"            scaptool print F "evt.num < 0"
//   record           sysdig -w (live, capture only)       scaptool record --no-golden
//   replay verify    sysdig -p "<3 fields>"               scaptool replay (forward, reverse, shuffled, batching probe)
//   replay forward   sysdig -p "<3 fields>"               scaptool replay --no-reverse --no-shuffle --no-batching-probe
//   record + golden  sysdig -w, then sysdig -p            scaptool record (capture and golden file of 3 fields)
//
//   BENCH_RUNS=3 (medians)   BENCH_EVENTS=2000000   BENCH_ONLY=scan (the workloads named so)
import {existsSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'

import {benchDir, root, timed, type Timed} from './common.js'

const runs = Number(process.env.BENCH_RUNS ?? 3)
/** Only the workloads whose name contains this text (BENCH_ONLY=scan). */
const only = process.env.BENCH_ONLY ?? ''
const N = Number(process.env.BENCH_EVENTS ?? 2_000_000)
const cli = join(root, 'bin', 'run.js')
const lib = join(root, 'fixtures', 'plugins', 'build', 'libdummy_api0_3.so')
const NAME = 'dummy_api0_3'
const FIELD = 'dummy.divisible[3]'
const FORMAT = '%dummy.value %dummy.strvalue %dummy.divisible[3]'
const PARAMS = JSON.stringify({start: 1, maxEvents: N})

function sysdigConfig(openParams: string): string {
  const file = join(benchDir, `${NAME}-${openParams ? 'source' : 'extract'}.yaml`)
  writeFileSync(file, `plugins:\n  - name: ${NAME}\n    library_path: ${lib}\n    init_config: ''\n    open_params: '${openParams}'\nload_plugins: [${NAME}]\n`)
  return file
}

const sourceConfig = sysdigConfig(PARAMS)
const extractConfig = sysdigConfig('')
const sh = (command: string): Timed => timed('sh', ['-c', command])

// The capture every read workload reads: a live recording of the plugin, with its golden file.
const capture = join(benchDir, `recorded-${N}.scap`)
if (!existsSync(capture) || !existsSync(`${capture}.golden`)) {
  rmSync(capture, {force: true})
  timed(cli, ['record', '-p', lib, '--open-params', PARAMS, '--field', FIELD, '-o', capture])
}
const out = join(benchDir, 'record-out.scap')

interface Workload {
  name: string
  /** sysdig's side: one or more commands, their times added. */
  sysdig: Array<() => Timed>
  scaptool: () => Timed
  check?: (r: Timed) => void
  goal: number
}

const passed = (r: Timed) => {
  if (!JSON.parse(r.stdout).passed) throw new Error(`replay did not pass: ${r.stdout.slice(0, 400)}`)
}
const recorded = (r: Timed) => {
  const events = JSON.parse(r.stdout).events
  if (events !== N) throw new Error(`recorded ${events} events, expected ${N}`)
}

const sysdigScan = () => timed('sysdig', ['-r', capture, 'evt.num < 0'])
const sysdigPrint = () => sh(`sysdig --plugin-config-file ${extractConfig} -r ${capture} -p "${FORMAT}" > /dev/null`)
// Both tools write a new file (scaptool syncs a file it replaces before the rename; sysdig never syncs).
const freshOut = () => {
  rmSync(out, {force: true})
  rmSync(`${out}.golden`, {force: true})
}
const sysdigWrite = () => {
  freshOut()
  return timed('sysdig', ['--plugin-config-file', sourceConfig, '-w', out])
}

const workloads: Workload[] = [
  {name: 'scan (print "evt.num < 0")', sysdig: [sysdigScan], scaptool: () => timed(cli, ['print', capture, 'evt.num < 0']), goal: 2},
  {
    name: 'record, capture only',
    sysdig: [sysdigWrite],
    scaptool: () => {
      freshOut()
      return timed(cli, ['record', '-p', lib, '--open-params', PARAMS, '--no-golden', '-o', out, '--json'])
    },
    check: recorded,
    goal: 1,
  },
  {
    name: 'replay verify (3 fields; forward, reverse, shuffled, batching probe)',
    sysdig: [sysdigPrint],
    scaptool: () => timed(cli, ['replay', capture, '-p', lib, '--shuffle-seed', '1', '--json']),
    check: passed,
    goal: 1,
  },
  {
    name: 'replay forward only',
    sysdig: [sysdigPrint],
    scaptool: () => timed(cli, ['replay', capture, '-p', lib, '--no-reverse', '--no-shuffle', '--no-batching-probe', '--json']),
    check: passed,
    goal: 2,
  },
  {
    name: 'record + golden file (sysdig -w, then sysdig -p)',
    sysdig: [sysdigWrite, sysdigPrint],
    scaptool: () => {
      freshOut()
      return timed(cli, ['record', '-p', lib, '--open-params', PARAMS, '--field', FIELD, '-o', out, '--json'])
    },
    check: recorded,
    goal: 1,
  },
]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

console.log(`${N.toLocaleString('en-US')} events of the C dummy plugin (API 0.3, ${lib.replace(root + '/', '')}), capture ${(statSync(capture).size / 1e6).toFixed(0)} MB; median of ${runs} runs; load average at start: ${load()}`)
const rows: string[][] = [['workload', 'sysdig', 'scaptool', 'ratio', 'goal', 'peak RSS (scaptool)']]
let below = 0
for (const w of workloads.filter((w) => w.name.includes(only))) {
  const theirs: number[] = []
  const ours: Timed[] = []
  for (let i = 0; i < runs; i++) {
    theirs.push(w.sysdig.reduce((sum, run) => sum + run().seconds, 0))
    const r = w.scaptool()
    w.check?.(r)
    ours.push(r)
  }
  const t = median(theirs)
  const o = median(ours.map((r) => r.seconds))
  const rss = Math.max(...ours.map((r) => r.maxRssKb)) / 1024
  const ratio = t / o
  if (ratio < w.goal) below++
  rows.push([w.name, `${t.toFixed(2)} s`, `${o.toFixed(2)} s`, `${ratio.toFixed(2)}x`, `${w.goal.toFixed(1)}x${ratio < w.goal ? ' (not met)' : ''}`, `${rss.toFixed(0)} MiB`])
  console.log(`  ${w.name}: sysdig ${t.toFixed(2)} s, scaptool ${o.toFixed(2)} s, ratio ${ratio.toFixed(2)}x`)
}
rmSync(out, {force: true})
rmSync(`${out}.golden`, {force: true})
console.log(`load average at end: ${load()}`)
console.log()
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
for (const r of rows) console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`)
if (below > 0) console.log(`\n${below} workload(s) below the goal`)

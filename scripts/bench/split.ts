// Issue #11: where a command's time goes. Start-up is measured by commands that stop at each
// stage (Node alone; Node and oclif; a command with the addon; a plugin host with a plugin);
// the forward replay of the ratios capture is split by its own report (`timings`: reading
// overlapped with extraction, golden rows, extraction, comparison); and, when Debian's perf
// is installed, the replay's CPU samples are split by library: plugin code, scaptool's Rust
// core, Node and V8, libc, the kernel.
//   BENCH_RUNS=5 (medians)   BENCH_EVENTS=2000000 (the ratios capture, recorded when missing)
import {spawnSync} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {benchDir, median, root, timed, type Timed} from './common.js'

const runs = Number(process.env.BENCH_RUNS ?? 5)
const N = Number(process.env.BENCH_EVENTS ?? 2_000_000)
const node = process.execPath
const cli = join(root, 'bin', 'run.js')
const lib = join(root, 'fixtures', 'plugins', 'build', 'libdummy_api0_3.so')
const small = join(root, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
const capture = join(benchDir, `recorded-${N}.scap`)
if (!existsSync(capture) || !existsSync(`${capture}.golden`)) {
  rmSync(capture, {force: true})
  timed(cli, ['record', '-p', lib, '--open-params', JSON.stringify({start: 1, maxEvents: N}), '--field', 'dummy.divisible[3]', '-o', capture])
}

const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`
const wall = (cmd: string, args: string[], env?: NodeJS.ProcessEnv) => median(runs, () => timed(cmd, args, env)).seconds

// scaptool runs as users run it (bin/run.js itself: the sh line that keeps Node from parsing
// NODE_EXTRA_CA_CERTS' bundle); Node alone is shown both ways when the variable is set.
const withoutCaCerts = {NODE_EXTRA_CA_CERTS: undefined}
const stages: Array<[string, string, string[], NodeJS.ProcessEnv?]> = [
  ['Node alone (node -e 0)', node, ['-e', '0']],
  ...(process.env.NODE_EXTRA_CA_CERTS !== undefined ? [['Node alone, without NODE_EXTRA_CA_CERTS', node, ['-e', '0'], withoutCaCerts] as [string, string, string[], NodeJS.ProcessEnv]] : []),
  ['Node, oclif and the command list (scaptool --version)', cli, ['--version']],
  ['print of a 6-event capture (the direct path: no oclif)', cli, ['print', small, 'evt.num < 0']],
  ['the same through oclif (a flag: --timezone UTC)', cli, ['print', '--timezone', 'UTC', small, 'evt.num < 0']],
  ['+ a plugin host process and a plugin (plugin info)', cli, ['plugin', 'info', lib, '--json']],
]
console.log(`start-up, wall time of commands that stop at each stage (medians of ${runs}):`)
for (const [name, cmd, args, env] of stages) console.log(`  ${name.padEnd(55)} ${ms(wall(cmd, args, env))}`)

const forward = ['replay', capture, '-p', lib, '--no-reverse', '--no-shuffle', '--no-batching-probe', '--json']
const replays: Array<Timed & {report: {progress: {elapsedMs: number}; timings: Record<string, number>}}> = []
for (let i = 0; i < runs; i++) {
  const r = timed(cli, [...forward])
  replays.push({...r, report: JSON.parse(r.stdout)})
}
replays.sort((a, b) => a.seconds - b.seconds)
const mid = replays[Math.floor(replays.length / 2)]
const t = mid.report.timings
const engine = mid.report.progress.elapsedMs / 1000
console.log(`\nreplay forward, ${N.toLocaleString('en-US')} events, 3 fields of the C dummy (API 0.3), median run: ${mid.seconds.toFixed(2)} s wall`)
console.log(`  start-up, plugin host and plugin load, exit             ${ms(mid.seconds - engine)}`)
console.log(`  waiting for the capture (read one window ahead)         ${ms(t.readMs / 1000)}`)
console.log(`  golden rows (read in line: a stateful replay only)      ${ms(t.goldenMs / 1000)}`)
console.log(`  extraction (plugin calls, rendering the values)         ${ms(t.extractMs / 1000)}`)
console.log(`  comparison with the golden rows                         ${ms(t.compareMs / 1000)}`)

const perfData = join(benchDir, 'split.perf')
const perf = spawnSync('perf', ['record', '-q', '-F', '999', '-o', perfData, '--', node, cli, ...forward], {encoding: 'utf8', maxBuffer: 64 << 20})
if (perf.error || perf.status !== 0) {
  console.log(`\n(no CPU split: perf record failed: ${perf.error?.message ?? perf.stderr.trim().split('\n').pop()})`)
} else {
  const report = spawnSync('perf', ['report', '-i', perfData, '--stdio', '--sort', 'dso', '--percent-limit', '0.5'], {encoding: 'utf8', maxBuffer: 64 << 20})
  const shares = new Map<string, number>()
  for (const line of report.stdout.split('\n')) {
    const m = /^\s+([\d.]+)%\s+(\S+)/.exec(line)
    if (!m) continue
    const dso = m[2]
    const group = dso === lib.split('/').pop() || dso.startsWith('libdummy') ? 'plugin code (libdummy_api0_3.so)' : dso.startsWith('scaptool') ? "scaptool's Rust core (decode, host, compare)" : dso.startsWith('libc') ? 'libc (memcpy, malloc, the plugin\'s printf)' : dso.includes('kernel') ? 'kernel (file reads, page faults)' : 'Node and V8 (start-up, JavaScript)'
    shares.set(group, (shares.get(group) ?? 0) + Number(m[1]))
  }
  console.log('\nCPU samples of that replay by library (perf record -F 999):')
  for (const [group, pct] of [...shares].sort((a, b) => b[1] - a[1])) console.log(`  ${group.padEnd(55)} ${pct.toFixed(1)}%`)
  rmSync(perfData, {force: true})
}

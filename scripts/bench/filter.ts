// Issue #5 benchmark: the 2,000,000-event dummy capture filtered by `dummy.divisible[7] = 1` and
// printed with a format, by `scaptool print` and by Debian's sysdig 0.29.3 with the same filter,
// format and plugin library (sysdig hosts only API 0.x plugins: the C dummy on API 0.3.0 and the
// Go dummy on plugin-sdk-go v0.2.0, both with id 3 like the capture's events), output sent to
// /dev/null; ratio = sysdig time / scaptool time. A separate run of each is hashed: the outputs
// must be identical.
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {benchCapture, benchDir, median, ratio, root, timed} from './common.js'

const runs = Number(process.env.BENCH_RUNS ?? 3)
const cli = join(root, 'bin', 'run.js')
const plugin = (lib: string) => join(root, 'fixtures', 'plugins', 'build', lib)
const FILTER = 'dummy.divisible[7] = 1'
const FORMAT = '%evt.num %evt.time %dummy.value %dummy.strvalue'
const PEERS: Array<[string, string, string]> = [
  ['C dummy (API 0.3)', 'libdummy_api0_3.so', 'dummy_api0_3'],
  ['Go dummy, plugin-sdk-go v0.2.0 (API 0.2)', 'go/libdummy_sdk02.so', 'dummy_go_api0'],
]

function sysdigConfig(name: string, lib: string): string {
  const file = join(benchDir, `filter-${name}.yaml`)
  writeFileSync(file, `plugins:\n  - name: ${name}\n    library_path: ${plugin(lib)}\n    init_config: ''\nload_plugins: [${name}]\n`)
  return file
}

/** Runs `cmd args` with stdout to /dev/null, timed. */
function toDevNull(cmd: string, args: string[]) {
  return timed('sh', ['-c', 'exec "$@" > /dev/null', 'sh', cmd, ...args], {TZ: 'UTC'})
}

/** sha256 of a command's stdout (and its line count). */
function hashOf(cmd: string, args: string[]): {hash: string; lines: number} {
  const r = spawnSync(cmd, args, {env: {...process.env, TZ: 'UTC'}, maxBuffer: 1 << 30})
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  let lines = 0
  for (const b of r.stdout) if (b === 10) lines++
  return {hash: createHash('sha256').update(r.stdout).digest('hex'), lines}
}

const capture = benchCapture()
console.log(`capture: ${capture} (2,000,000 plugin events, id 3), filter '${FILTER}', format '${FORMAT}', output to /dev/null, median of ${runs} runs`)
for (const [label, lib, name] of PEERS) {
  const cfg = sysdigConfig(name, lib)
  const sysdigArgs = ['--plugin-config-file', cfg, '-r', capture, '-p', FORMAT, FILTER]
  const oursArgs = ['print', capture, '-p', plugin(lib), '-o', FORMAT, FILTER]
  const theirs = hashOf('sysdig', sysdigArgs)
  const mine = hashOf(cli, oursArgs)
  const same = theirs.hash === mine.hash
  const sysdig = median(runs, () => toDevNull('sysdig', sysdigArgs))
  const ours = median(runs, () => toDevNull(cli, oursArgs))
  console.log(`${label}:`)
  console.log(`  sysdig 0.29.3     ${sysdig.seconds.toFixed(2)} s  peak RSS ${(sysdig.maxRssKb / 1024).toFixed(0)} MiB`)
  console.log(`  scaptool print    ${ours.seconds.toFixed(2)} s  peak RSS ${(ours.maxRssKb / 1024).toFixed(0)} MiB`)
  console.log(`  ratio (sysdig time / scaptool time): ${ratio(sysdig.seconds, ours.seconds)}`)
  console.log(`  output: ${mine.lines.toLocaleString('en-US')} lines, sha256 ${mine.hash.slice(0, 16)}… ${same ? 'identical to sysdig' : `DIFFERS from sysdig (${theirs.lines} lines, ${theirs.hash.slice(0, 16)}…)`}`)
  if (!same) process.exitCode = 1
}

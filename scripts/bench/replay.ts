// Issue #4 benchmarks, each against Debian's sysdig 0.29.3 in the same run:
//  - replay: the 2,000,000-event dummy capture, every field extracted and compared with the
//    golden file, against `sysdig -r FILE -p "%dummy.value %dummy.strvalue %dummy.divisible[3]"`
//    with the same plugin library (sysdig hosts only API 0.x plugins: the Go dummy built on
//    plugin-sdk-go v0.2.0, and the C dummy on API 0.3.0);
//  - record: 1,000,000 events live from the same plugin, against `sysdig -w`.
// Current-API builds (3.x), which sysdig cannot load, are reported alongside for reference.
import {copyFileSync, existsSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {benchCapture, benchDir, median, ratio, root, timed} from './common.js'

const runs = Number(process.env.BENCH_RUNS ?? 3)
const cli = join(root, 'bin', 'run.js')
const plugin = (lib: string) => join(root, 'fixtures', 'plugins', 'build', lib)
const FORMAT = '%dummy.value %dummy.strvalue %dummy.divisible[3]'
const PEERS: Array<[string, string, string]> = [
  // label, library, plugin name (for sysdig's config)
  ['Go dummy, plugin-sdk-go v0.2.0 (API 0.2)', 'go/libdummy_sdk02.so', 'dummy_go_api0'],
  ['C dummy (API 0.3)', 'libdummy_api0_3.so', 'dummy_api0_3'],
]
const CURRENT: Array<[string, string]> = [
  ['Go dummy, plugin-sdk-go v0.8.3 (API 3.11)', 'go/libdummy.so'],
  ['C dummy (API 3.0)', 'libdummy_api3.so'],
]

function sysdigConfig(name: string, lib: string, openParams = ''): string {
  const file = join(benchDir, `${name}.yaml`)
  writeFileSync(file, `plugins:\n  - name: ${name}\n    library_path: ${plugin(lib)}\n    init_config: ''\n    open_params: '${openParams}'\nload_plugins: [${name}]\n`)
  return file
}

const secs = (s: number) => `${s.toFixed(2)} s`
const rate = (n: number, s: number) => `${(n / s / 1e6).toFixed(2)} M events/s`

// ---- replay ----------------------------------------------------------------------------
const source = benchCapture()
const capture = join(benchDir, 'replay-2000000.scap')
if (!existsSync(capture)) copyFileSync(source, capture)
if (!existsSync(`${capture}.golden`)) {
  timed(cli, ['replay', capture, '-p', plugin('go/libdummy.so'), '--field', 'dummy.divisible[3]', '--update', '--no-reverse', '--no-shuffle'])
}
console.log(`\nreplay: ${capture} (2,000,000 dummy events; golden: 3 fields per event), median of ${runs} runs`)
for (const [label, lib, name] of PEERS) {
  const cfg = sysdigConfig(name, lib)
  const sysdig = median(runs, () => timed('sh', ['-c', `sysdig --plugin-config-file ${cfg} -r ${capture} -p "${FORMAT}" > /dev/null`]))
  const forward = median(runs, () => timed(cli, ['replay', capture, '-p', plugin(lib), '--no-reverse', '--no-shuffle', '--json']))
  const full = median(runs, () => timed(cli, ['replay', capture, '-p', plugin(lib), '--shuffle-seed', '1', '--json']))
  for (const r of [forward, full]) if (!JSON.parse(r.stdout).passed) throw new Error(`replay with ${lib} did not pass`)
  console.log(`  ${label}`)
  console.log(`    sysdig -p (extract 3 fields)            ${secs(sysdig.seconds)}  ${rate(2e6, sysdig.seconds)}`)
  console.log(`    scaptool replay (extract + compare)     ${secs(forward.seconds)}  ${rate(2e6, forward.seconds)}  ratio ${ratio(sysdig.seconds, forward.seconds)}`)
  console.log(`    scaptool replay + reverse + shuffled    ${secs(full.seconds)}  (3 extractions per event)  ratio ${ratio(sysdig.seconds, full.seconds)}`)
}
for (const [label, lib] of CURRENT) {
  const forward = median(runs, () => timed(cli, ['replay', capture, '-p', plugin(lib), '--no-reverse', '--no-shuffle', '--json']))
  const full = median(runs, () => timed(cli, ['replay', capture, '-p', plugin(lib), '--shuffle-seed', '1', '--json']))
  const threads = JSON.parse(forward.stdout).threads
  console.log(`  ${label} (no sysdig peer: sysdig 0.29.3 loads API 0.x only)`)
  console.log(`    scaptool replay (extract + compare)     ${secs(forward.seconds)}  ${rate(2e6, forward.seconds)}  ${threads} threads`)
  console.log(`    scaptool replay + reverse + shuffled    ${secs(full.seconds)}`)
}

// ---- record ----------------------------------------------------------------------------
const N = 3_000_000
const params = `{"start": 1, "maxEvents": ${N}}`
console.log(`\nrecord: ${N.toLocaleString('en-US')} events live from the plugin, median of ${runs} runs`)
for (const [label, lib, name] of PEERS) {
  const cfg = sysdigConfig(name, lib, params)
  const out = join(benchDir, 'record.scap')
  const sysdig = median(runs, () => {
    rmSync(out, {force: true})
    return timed('sysdig', ['--plugin-config-file', cfg, '-w', out])
  })
  const withGolden = median(runs, () => timed(cli, ['record', '-p', plugin(lib), '--open-params', params, '--field', 'dummy.divisible[3]', '-o', out, '--json']))
  const noGolden = median(runs, () => timed(cli, ['record', '-p', plugin(lib), '--open-params', params, '--no-golden', '-o', out, '--json']))
  for (const r of [withGolden, noGolden]) if (JSON.parse(r.stdout).events !== N) throw new Error(`record with ${lib} did not record ${N} events`)
  // In-run time: from the first next_batch to the last write (without process start-up).
  const inRun = (r: {stdout: string}) => JSON.parse(r.stdout).progress.elapsedMs / 1000
  console.log(`  ${label}`)
  console.log(`    sysdig -w                               ${secs(sysdig.seconds)}  ${rate(N, sysdig.seconds)}`)
  console.log(`    scaptool record (capture only)          ${secs(noGolden.seconds)}  ${rate(N, noGolden.seconds)}  ratio ${ratio(sysdig.seconds, noGolden.seconds)}  (in-run ${secs(inRun(noGolden))}, ${rate(N, inRun(noGolden))})`)
  console.log(`    scaptool record + golden (3 fields)     ${secs(withGolden.seconds)}  ${rate(N, withGolden.seconds)}  ratio ${ratio(sysdig.seconds, withGolden.seconds)}  (in-run ${secs(inRun(withGolden))})`)
}

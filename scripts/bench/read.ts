// Issue #2 benchmark: a full read of a 2,000,000-event plugin capture by scaptool (every event
// decoded and counted in TypeScript) against Debian's sysdig reading the same file
// (`sysdig -r FILE "evt.num < 0"`), in one run; then peak memory on a multi-GB capture.
import {closeSync, existsSync, openSync, readFileSync, statSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {benchCapture, benchDir, median, ratio, root, timed} from './common.js'

const runs = Number(process.env.BENCH_RUNS ?? 3)
const file = benchCapture()
const size = statSync(file).size
const node = process.execPath
const child = [join(root, 'dist', 'scripts', 'bench', 'read-child.js'), file]

const sysdig = median(runs, () => timed('sysdig', ['-r', file, 'evt.num < 0']))
const ours = median(runs, () => timed(node, child))
const inner = JSON.parse(ours.stdout) as {events: number; ms: number}
if (inner.events !== 2_000_000) throw new Error(`read ${inner.events} events, expected 2,000,000`)

const mbs = (s: number) => `${(size / 1e6 / s).toFixed(0)} MB/s`
const evs = (s: number) => `${(2e6 / s / 1e6).toFixed(2)} M events/s`
console.log(`capture: ${file} (${(size / 1e6).toFixed(1)} MB, 2,000,000 plugin events), median of ${runs} runs`)
console.log(`sysdig 0.29.3 -r "evt.num < 0"  ${sysdig.seconds.toFixed(3)} s  ${mbs(sysdig.seconds)}  ${evs(sysdig.seconds)}  peak RSS ${(sysdig.maxRssKb / 1024).toFixed(0)} MiB`)
console.log(`scaptool full read (process)    ${ours.seconds.toFixed(3)} s  ${mbs(ours.seconds)}  ${evs(ours.seconds)}  peak RSS ${(ours.maxRssKb / 1024).toFixed(0)} MiB`)
console.log(`scaptool full read (read loop)  ${(inner.ms / 1000).toFixed(3)} s  ${mbs(inner.ms / 1000)}  ${evs(inner.ms / 1000)}`)
console.log(`ratio (sysdig time / scaptool time): process ${ratio(sysdig.seconds, ours.seconds)}, read loop ${ratio(sysdig.seconds, inner.ms / 1000)}`)

// Flat memory: the same events 25 times over (concatenated sections, ~3 GB).
const bigFile = join(benchDir, 'dummy-50m-sections.scap')
if (process.env.BENCH_BIG !== '0') {
  if (!existsSync(bigFile) || statSync(bigFile).size !== size * 25) {
    // Synchronous writes, one copy at a time: a stream would queue all 3 GB into one writev,
    // whose byte count overflows 32 bits in Node 20 (the file comes out wrong).
    const chunk = readFileSync(file)
    const fd = openSync(bigFile, 'w')
    for (let i = 0; i < 25; i++) writeSync(fd, chunk)
    closeSync(fd)
  }
  const big = timed(node, [child[0], bigFile])
  const bigInner = JSON.parse(big.stdout) as {events: number; ms: number}
  console.log(`multi-GB: ${(statSync(bigFile).size / 1e9).toFixed(2)} GB, ${bigInner.events.toLocaleString('en-US')} events in ${big.seconds.toFixed(1)} s, peak RSS ${(big.maxRssKb / 1024).toFixed(0)} MiB (vs ${(ours.maxRssKb / 1024).toFixed(0)} MiB for 120 MB)`)
}

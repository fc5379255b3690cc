// Issue #11 benchmark: golden-file size and replay cost on k8s-audit-like events. The Go
// auditlike fixture (fixtures/plugins/go/auditlike: JSON payloads of 1.5 to 2.5 KB shaped like
// audit.k8s.io/v1 events, 41 fields read through JSON pointers) is recorded with every field,
// then replayed; and again with the whole-payload fields left out (--exclude-field) and with a
// zstd golden file. Figures: bytes per event and microseconds per event, peak RSS.
//   BENCH_AUDIT_EVENTS=100000 (events per recording)
import {rmSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {benchDir, root, timed} from './common.js'

const N = Number(process.env.BENCH_AUDIT_EVENTS ?? 100_000)
const cli = join(root, 'bin', 'run.js')
const lib = join(root, 'fixtures', 'plugins', 'build', 'go', 'libauditlike.so')
const source = ['-p', lib, '--init-config', '{"seed": 1}', '--open-params', JSON.stringify({maxEvents: N})]

interface Variant {
  name: string
  golden: string
  extra: string[]
}

const variants: Variant[] = [
  {name: 'every field', golden: '.golden', extra: []},
  {name: 'without json.obj and json.value (whole payload)', golden: '.golden', extra: ['--exclude-field', 'json.obj', '--exclude-field', 'json.value']},
  {name: 'every field, zstd golden file', golden: '.golden.zst', extra: []},
]

const perEvent = (seconds: number) => `${((seconds * 1e6) / N).toFixed(1)} µs`
const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`
console.log(`${N.toLocaleString('en-US')} k8s-audit-like events (go/libauditlike.so, 41 fields)`)
const rows = [['golden file', 'capture B/event', 'golden B/event', 'record µs/event', 'replay µs/event', 'peak RSS record / replay']]
for (const v of variants) {
  const capture = join(benchDir, `audit-${N}.scap`)
  const golden = `${capture}${v.golden}`
  rmSync(capture, {force: true})
  rmSync(`${capture}.golden`, {force: true})
  rmSync(`${capture}.golden.zst`, {force: true})
  const rec = timed(cli, ['record', ...source, '-o', capture, '--golden', golden, ...v.extra, '--json'])
  const replay = timed(cli, ['replay', capture, '-p', lib, '--golden', golden, '--json'])
  if (!JSON.parse(replay.stdout).passed) throw new Error(`replay did not pass: ${replay.stdout.slice(0, 400)}`)
  rows.push([v.name, (statSync(capture).size / N).toFixed(0), (statSync(golden).size / N).toFixed(0), perEvent(rec.seconds), perEvent(replay.seconds), `${mib(rec.maxRssKb)} / ${mib(replay.maxRssKb)}`])
  console.log(`  ${v.name}: record ${rec.seconds.toFixed(1)} s, replay ${replay.seconds.toFixed(1)} s`)
}
console.log()
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
for (const r of rows) console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`)

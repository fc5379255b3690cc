// Memory stays bounded on large and crafted inputs: peak RSS (of scaptool and its plugin host,
// measured by GNU time) stays under 512 MB whatever the payload size, the golden file's size or
// a block length a crafted capture claims.
import test from 'ava'
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {compress as zstdCompress} from 'zstd-napi'

import {plugin, projectRoot, tempDir} from './helpers.js'

const LIMIT_KB = 512 * 1024
/** Replay's own goal (issue #11): 400 MB whatever the capture, its payloads and golden file. */
const REPLAY_LIMIT_KB = 400 * 1024

/** Runs scaptool under GNU time; returns its exit status, output and peak RSS in KB. */
function measured(args: string[]): {status: number; stdout: string; stderr: string; peakKb: number} {
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_KB=%M', process.execPath, join(projectRoot, 'bin', 'run.js'), ...args], {encoding: 'utf8', maxBuffer: 1 << 30})
  const peak = /PEAK_KB=(\d+)/.exec(r.stderr)
  if (!peak) throw new Error(`no measurement: ${r.stderr}`)
  return {status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, peakKb: Number(peak[1])}
}

test('replay of 8 KB payloads extracted whole (a 100 MB capture and a 100 MB golden file) stays under 400 MB', (t) => {
  const dir = tempDir()
  const cap = join(dir, 'big.scap')
  const source = ['-p', plugin('libbad_big_payload.so'), '--init-config', '{"size": 8192, "seed": 1}', '--open-params', '{"maxEvents": 12000}']
  const rec = measured(['record', ...source, '-x', plugin('libpayloadx3.so'), '-o', cap])
  t.is(rec.status, 0, rec.stderr)
  t.true(rec.peakKb < LIMIT_KB, `record peak ${rec.peakKb} KB`)
  const replay = measured(['replay', cap, '-p', plugin('libbad_big_payload.so'), '-p', plugin('libpayloadx3.so'), '--json'])
  t.is(replay.status, 0, replay.stdout)
  const j = JSON.parse(replay.stdout)
  t.true(j.passed)
  t.is(j.events, 12000)
  t.true(replay.peakKb < REPLAY_LIMIT_KB, `replay peak ${replay.peakKb} KB`)
  t.log(`record ${rec.peakKb} KB, replay ${replay.peakKb} KB`)
})

test('replay of 20,000 k8s-audit-like events (41 fields of a Go plugin, 58 MB golden file) stays under 400 MB in every pass', (t) => {
  // Many mid-sized cells per event: the first window used to hold 16,000 events' cells in each
  // of four tables (460 MB); windows now start small and grow while their cells stay small.
  const dir = tempDir()
  const cap = join(dir, 'audit.scap')
  const lib = plugin('go/libauditlike.so')
  const rec = measured(['record', '-p', lib, '--init-config', '{"seed": 1}', '--open-params', '{"maxEvents": 20000}', '-o', cap])
  t.is(rec.status, 0, rec.stderr)
  const replay = measured(['replay', cap, '-p', lib, '--json'])
  t.is(replay.status, 0, replay.stdout)
  const j = JSON.parse(replay.stdout)
  t.true(j.passed)
  t.is(j.events, 20000)
  t.true(replay.peakKb < REPLAY_LIMIT_KB, `replay peak ${replay.peakKb} KB`)
  t.log(`audit-like: record ${rec.peakKb} KB, replay ${replay.peakKb} KB`)
})

test('a small zstd capture whose block claims 4 GiB is refused by info, print and convert under 512 MB', (t) => {
  const dir = tempDir()
  // SHB (28 bytes), then an EV_V2_LARGE block header claiming 4 GiB, then 300 MiB of zeros
  const shb = Buffer.alloc(28)
  shb.writeUInt32LE(0x0a0d0d0a, 0)
  shb.writeUInt32LE(28, 4)
  shb.writeUInt32LE(0x1a2b3c4d, 8)
  shb.writeUInt16LE(1, 12)
  shb.writeUInt16LE(2, 14)
  shb.writeBigInt64LE(-1n, 16)
  shb.writeUInt32LE(28, 24)
  const head = Buffer.alloc(8)
  head.writeUInt32LE(0x221, 0)
  head.writeUInt32LE(0xfffffff0, 4)
  const file = join(dir, 'bomb.scap.zst')
  writeFileSync(file, zstdCompress(Buffer.concat([shb, head, Buffer.alloc(300 << 20)])))
  for (const args of [['info', file], ['print', file], ['convert', file, join(dir, 'out.scap')]]) {
    const r = measured(args)
    t.is(r.status, 3, `${args[0]}: ${r.stdout}${r.stderr}`)
    t.regex(r.stdout + r.stderr, /larger than scaptool's limit of 256 MiB/, args[0])
    t.true(r.peakKb < LIMIT_KB, `${args[0]} peak ${r.peakKb} KB`)
  }
})

test('a rules file whose macros or lists double at each of 39 levels is refused under 512 MB, naming the chain', (t) => {
  const dir = tempDir()
  const capture = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
  const rule = (condition: string) => `- rule: bomb\n  desc: d\n  condition: ${condition}\n  output: "%evt.num"\n  priority: WARNING\n  source: dummy\n`
  const macros = ['- macro: m0\n  condition: dummy.value = 1\n']
  const lists = ['- list: l0\n  items: [1, 2]\n']
  for (let i = 1; i < 40; i++) {
    macros.push(`- macro: m${i}\n  condition: m${i - 1} or m${i - 1}\n`)
    lists.push(`- list: l${i}\n  items: [l${i - 1}, l${i - 1}]\n`)
  }
  const cases = [
    {name: 'macros', text: macros.join('') + rule('m39'), chain: /macro 'm39' -> macro 'm38'/},
    {name: 'lists', text: lists.join('') + rule('dummy.value in (l39)'), chain: /list 'l39' -> list 'l38'/},
  ]
  for (const c of cases) {
    const file = join(dir, `${c.name}.yaml`)
    writeFileSync(file, c.text)
    const started = Date.now()
    const r = measured(['replay', capture, '-p', plugin('libdummy_c.so'), '-r', file])
    t.is(r.status, 2, `${c.name}: ${r.stdout}${r.stderr}`)
    t.regex(r.stderr, /grows past/, c.name)
    t.regex(r.stderr, c.chain, c.name)
    t.regex(r.stderr, new RegExp(`${c.name}\\.yaml`), `${c.name}: the error names the file`)
    t.true(r.peakKb < LIMIT_KB, `${c.name} peak ${r.peakKb} KB`)
    t.log(`${c.name}: ${r.peakKb} KB, ${Date.now() - started} ms`)
  }
})

test('print of lines of 32 MB each (a 1 MB payload printed 32 times) streams under 512 MB, every byte out', (t) => {
  const dir = tempDir()
  const cap = join(dir, 'mb.scap')
  const rec = measured(['record', '-p', plugin('libbad_big_payload.so'), '--init-config', '{"size": 1048576, "seed": 3}', '--open-params', '{"maxEvents": 24}', '-o', cap, '--no-golden'])
  t.is(rec.status, 0, rec.stderr)
  const format = Array.from({length: 32}, () => '%payload.text').join('')
  // a capture batch holds 16 such events: 512 MB of text, more than one JavaScript string holds
  const run = [process.execPath, join(projectRoot, 'bin', 'run.js'), 'print', cap, '-p', plugin('libbad_big_payload.so'), '-p', plugin('libpayloadx3.so'), '-o', format]
  const quoted = run.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  const r = spawnSync('bash', ['-c', `set -o pipefail; /usr/bin/time -f PEAK_KB=%M ${quoted} | wc -c`], {encoding: 'utf8'})
  t.is(r.status, 0, r.stderr)
  const peak = Number(/PEAK_KB=(\d+)/.exec(r.stderr)?.[1])
  const bytes = Number(r.stdout.trim())
  t.is(bytes, 24 * (32 * 1048576 + 1), 'every line, whole')
  t.true(peak < LIMIT_KB, `print peak ${peak} KB`)
  t.log(`print of ${bytes} bytes: peak ${peak} KB`)
  // the same lines as rule alerts: they cross from the plugin host a bounded step at a time
  const rules = join(dir, 'big.yaml')
  writeFileSync(rules, `- rule: big\n  desc: d\n  condition: evt.num > 0\n  output: "${format}"\n  priority: WARNING\n  source: dummy\n`)
  const alerts = [process.execPath, join(projectRoot, 'bin', 'run.js'), 'replay', cap, '-p', plugin('libbad_big_payload.so'), '-p', plugin('libpayloadx3.so'), '-r', rules]
  const a = spawnSync('bash', ['-c', `set -o pipefail; /usr/bin/time -f PEAK_KB=%M ${alerts.map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' ')} | grep -c '^[0-9:T.-]* Warning '`], {encoding: 'utf8'})
  t.is(a.status, 0, a.stderr.slice(-2000))
  t.is(Number(a.stdout.trim()), 24, 'every alert')
  const alertPeak = Number(/PEAK_KB=(\d+)/.exec(a.stderr)?.[1])
  t.true(alertPeak < LIMIT_KB, `rules peak ${alertPeak} KB`)
  t.log(`24 alerts of 32 MB: peak ${alertPeak} KB`)
})

import test from 'ava'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {CaptureWriter, ScapError, openCapture, summarizeCapture, type Compression} from '../src/index.js'
import {capture, tempDir} from './helpers.js'

test('rewriting sysdig\'s plugin capture batch by batch reproduces it byte for byte', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'copy.scap')
  const w = new CaptureWriter(out)
  for await (const batch of openCapture(capture('sysdig-plugin/plugin5.scap')).batches()) await w.writeBatch(batch)
  t.deepEqual(w.finish(), {events: 5, bytes: 328})
  t.deepEqual(readFileSync(out), readFileSync(capture('sysdig-plugin/plugin5.scap')))
})

test('the 70,000-byte payload capture also round-trips byte for byte', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'big.scap')
  const w = new CaptureWriter(out)
  for await (const batch of openCapture(capture('sysdig-plugin/plugin_big.scap')).batches()) await w.writeBatch(batch)
  w.finish()
  t.deepEqual(readFileSync(out), readFileSync(capture('sysdig-plugin/plugin_big.scap')))
})

for (const compression of ['none', 'gzip', 'zstd'] as Compression[]) {
  test(`plugin events written with ${compression} compression read back identically`, async (t) => {
    const dir = tempDir()
    const out = join(dir, `events.scap`)
    const w = new CaptureWriter(out, {compression})
    const payloads = Array.from({length: 1000}, (_, i) => Buffer.from(`sample-${i * 7}`))
    payloads.forEach((p, i) => w.writePluginEvent(1_700_000_000_000_000_000n + BigInt(i), 3, p))
    t.is(w.finish().events, 1000)
    const got: string[] = []
    for await (const ev of openCapture(out).events()) {
      t.is(ev.pluginId, 3)
      t.is(ev.tid, 0xffff_ffff_ffff_ffffn)
      t.is(ev.cpuid, 0)
      t.is(ev.blockType, 0x221)
      t.is(ev.ts, 1_700_000_000_000_000_000n + BigInt(ev.evtnum - 1))
      got.push(ev.payload!.toString())
    }
    t.deepEqual(got, payloads.map(String))
    const s = await summarizeCapture(out)
    t.is(s.compression, compression)
  })
}

test('syscall events keep their block kind, flags and cpu when rewritten', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'sample.scap')
  const w = new CaptureWriter(out)
  const before: string[] = []
  for await (const batch of openCapture(capture('libs/sample.scap')).batches()) {
    for (const ev of batch) before.push(`${ev.evtnum} ${ev.type} ${ev.cpuid} ${ev.ts} ${ev.raw().toString('hex')}`)
    await w.writeBatch(batch)
  }
  w.finish()
  const after: string[] = []
  for await (const ev of openCapture(out).events()) after.push(`${ev.evtnum} ${ev.type} ${ev.cpuid} ${ev.ts} ${ev.raw().toString('hex')}`)
  t.deepEqual(after, before)
})

test('a writer flushed per batch leaves a readable file even if never finished', async (t) => {
  const dir = tempDir()
  for (const compression of ['none', 'gzip', 'zstd'] as Compression[]) {
    const out = join(dir, `interrupted-${compression}.scap`)
    const w = new CaptureWriter(out, {compression})
    for (let i = 0; i < 100; i++) w.writePluginEvent(BigInt(i), 7, Buffer.from(`e${i}`))
    w.flush()
    // No finish(): as if the recorder died right after the flush.
    let n = 0
    try {
      for await (const _ of openCapture(out).events()) n++
    } catch (err) {
      // A compressed stream without its end is reported as truncated, after every event.
      t.true(err instanceof ScapError && err.code === 'TRUNCATED', `${compression}: ${err}`)
    }
    t.is(n, 100, compression)
    w.finish()
  }
})

test('refusing to write a malformed event names the event', async (t) => {
  const dir = tempDir()
  const w = new CaptureWriter(join(dir, 'bad.scap'))
  // A record whose event claims nparams 9 in a 26-byte event.
  const rec = Buffer.alloc(32 + 32)
  rec.writeUInt32LE(64, 0)
  rec.writeUInt32LE(26, 32 + 16)
  rec.writeUInt16LE(322, 32 + 20)
  rec.writeUInt32LE(9, 32 + 22)
  const err = await t.throwsAsync(w.writeBatch(rec), {instanceOf: ScapError})
  t.regex(err.message, /refusing to write event 1: .*nparams 9/)
})

test('an unwritable output is an IO error naming the file', (t) => {
  const err = t.throws(() => new CaptureWriter('/nonexistent-dir/x.scap').finish(), {instanceOf: ScapError})
  t.is(err.code, 'IO')
  t.regex(err.message, /^\/nonexistent-dir\/x\.scap: /)
})

import test from 'ava'
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {compress as zstdCompress} from 'zstd-napi'

import {ScapError, openCapture, summarizeCapture, type CaptureNote} from '../src/index.js'
import {capture, tempDir} from './helpers.js'

/** Block and event counts of every shared capture, from shared/reference/scap-format.md §14. */
const EXPECTED: Record<string, {events: number; blocks: Record<string, number>; version: string}> = {
  'libs/curl_google.scap': {events: 1536, version: '1.0', blocks: {SHB: 1, MI: 1, IL: 1, UL: 1, PL_V5: 1, FDL: 54, EV: 1536}},
  'libs/curl_google_comments.scap': {events: 1536, version: '1.0', blocks: {SHB: 1, MI: 1, IL: 1, UL: 1, PL_V5: 1, FDL: 54, EV: 1536}},
  'libs/single_ipv6_conn.scap': {events: 1728, version: '1.2', blocks: {SHB: 1, MI: 1, IL_V2: 1, UL_V2: 1, PL_V9: 1, FDL_V2: 154, EV_V2: 1728}},
  'libs/test_ipv6_client.scap': {events: 326, version: '1.0', blocks: {SHB: 1, EV: 326}},
  'libs/sample.scap': {events: 572, version: '1.2', blocks: {SHB: 1, MI: 1, IL_V2: 1, UL_V2: 1, PL_V9: 1, FDL_V2: 94, EV_V2: 572}},
  'falco/privileged.scap': {events: 2059, version: '1.2', blocks: {SHB: 1}},
  'falco/run_as_user_0_container.scap': {events: 4143, version: '1.2', blocks: {EV_V2: 4143}},
  'falco/run_as_user_65534_container.scap': {events: 241, version: '1.2', blocks: {EV_V2: 241}},
  'falco/write_tmp_test.scap': {events: 229, version: '1.2', blocks: {EV_V2: 229}},
  'falco/ping_sendto.scap': {events: 1526, version: '1.2', blocks: {EV_V2: 1526}},
  'falco/syscall.scap': {events: 368, version: '1.1', blocks: {PL_V8: 1, FDL: 229, EV: 368}},
  'falco/connect_localhost.scap': {events: 374, version: '1.0', blocks: {PL_V7: 1, EV: 374}},
  'falco/open-multiple-files.scap': {events: 1272, version: '1.0', blocks: {PL_V6: 1, EV: 1272}},
  'falco/cat_write.scap': {events: 345, version: '1.0', blocks: {PL_V6: 1, EV: 345}},
  'falco/empty.scap': {events: 83, version: '1.0', blocks: {PL_V6: 1, FDL: 103}},
  'falco/trace_empty.scap': {events: 143, version: '1.2', blocks: {EV_V2: 143}},
  'sysdig-plugin/plugin5.scap': {events: 5, version: '1.2', blocks: {SHB: 1, EV_V2_LARGE: 5}},
  'sysdig-plugin/plugin3.scap.gz': {events: 3, version: '1.2', blocks: {SHB: 1, EV_V2_LARGE: 3}},
  'sysdig-plugin/plugin_big.scap': {events: 4, version: '1.2', blocks: {SHB: 1, EV_V2_LARGE: 4}},
  'sysdig-plugin/resaved.scap': {events: 5, version: '1.2', blocks: {SHB: 1, MI: 1, PL_V9: 1, EV_V2_LARGE: 5}},
}

for (const [rel, want] of Object.entries(EXPECTED)) {
  test(`summary of ${rel} matches the published counts`, async (t) => {
    const s = await summarizeCapture(capture(rel))
    t.is(s.error, undefined)
    t.is(s.events, want.events)
    t.is(`${s.sections[0].major}.${s.sections[0].minor}`, want.version)
    const blocks = Object.fromEntries(s.blocks.map((b) => [b.name, b.count]))
    for (const [name, count] of Object.entries(want.blocks)) t.is(blocks[name], count, name)
    t.is(s.firstEvtnum, 1)
    t.is(s.lastEvtnum, want.events)
  })
}

test('privileged.scap holds 2,058 PROCINFO events and one container JSON event', async (t) => {
  const s = await summarizeCapture(capture('falco/privileged.scap'))
  const byType = Object.fromEntries(s.eventsByType.map((e) => [e.eventType, e.count]))
  t.is(byType[234], 2058)
  t.is(byType[272], 1)
})

test('sysdig plugin events decode to plugin id, payload and timestamp', async (t) => {
  const seen: Array<[number, number, string, bigint, bigint]> = []
  for await (const ev of openCapture(capture('sysdig-plugin/plugin5.scap')).events()) {
    seen.push([ev.evtnum, ev.pluginId!, ev.payload!.toString(), ev.ts, ev.tid])
  }
  t.deepEqual(
    seen,
    [0, 1, 2, 3, 4].map((k) => [k + 1, 999, `hello${k}`, 1_600_000_000_000_000_000n + BigInt(k) * 1000n, 0xffff_ffff_ffff_ffffn]),
  )
})

test('a 70,000-byte plugin payload comes through whole', async (t) => {
  const lengths: number[] = []
  for await (const ev of openCapture(capture('sysdig-plugin/plugin_big.scap')).events()) lengths.push(ev.payload!.length)
  t.is(lengths[1], 70_000)
  t.is(lengths.length, 4)
})

test('v1 (EV 0x204) events are presented in the v2 layout with an inferred nparams', async (t) => {
  let checked = 0
  for await (const ev of openCapture(capture('falco/cat_write.scap')).events()) {
    t.is(ev.blockType, 0x204)
    const params = ev.params()
    t.is(26 + ev.nparams * 2 + params.reduce((n, p) => n + p.length, 0), ev.length)
    checked++
  }
  t.is(checked, 345)
})

test('concatenated captures are read as sections with evt.num continuing', async (t) => {
  const dir = tempDir()
  const joined = join(dir, 'joined.scap')
  const one = readFileSync(capture('sysdig-plugin/plugin5.scap'))
  writeFileSync(joined, Buffer.concat([one, one]))
  const notes: CaptureNote[] = []
  const nums: number[] = []
  const sections: number[] = []
  for await (const ev of openCapture(joined, {onNote: (n) => notes.push(n)}).events()) {
    nums.push(ev.evtnum)
    sections.push(ev.section)
  }
  t.deepEqual(nums, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  t.deepEqual(sections, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
  t.deepEqual(notes.filter((n) => n.kind === 'section').map((n) => n.offset), [0, one.length])
})

test('zstd-compressed captures are detected by their bytes and read', async (t) => {
  const dir = tempDir()
  const raw = readFileSync(capture('libs/sample.scap'))
  const zst = join(dir, 'sample.scap.zst')
  writeFileSync(zst, zstdCompress(raw))
  const plain = await summarizeCapture(capture('libs/sample.scap'))
  const viaZstd = await summarizeCapture(zst)
  t.is(viaZstd.compression, 'zstd')
  t.is(viaZstd.events, plain.events)
  t.deepEqual(viaZstd.eventsByType, plain.eventsByType)
  // gzip: the same bytes through gzip(1)
  const gz = join(dir, 'sample.scap.gz')
  writeFileSync(gz, execFileSync('gzip', ['-c', capture('libs/sample.scap')]))
  const viaGzip = await summarizeCapture(gz)
  t.is(viaGzip.compression, 'gzip')
  t.deepEqual(viaGzip.eventsByType, plain.eventsByType)
})

test('a truncated capture yields every complete event, then a ScapError with the offset', async (t) => {
  const dir = tempDir()
  const full = readFileSync(capture('sysdig-plugin/plugin5.scap'))
  const cut = join(dir, 'cut.scap')
  // 28-byte SHB + 5 blocks of 60 bytes: cut 10 bytes into the fifth block.
  writeFileSync(cut, full.subarray(0, 28 + 4 * 60 + 10))
  const got: number[] = []
  const err = await t.throwsAsync(
    async () => {
      for await (const ev of openCapture(cut).events()) got.push(ev.evtnum)
    },
    {instanceOf: ScapError},
  )
  t.deepEqual(got, [1, 2, 3, 4])
  t.is(err.code, 'TRUNCATED')
  t.is(err.offset, 28 + 4 * 60)
  t.is(err.fileName, cut)
  t.is(err.eventsBefore, 4)
  t.regex(err.message, /cut\.scap: truncated capture.*at byte offset 268/)
})

test('a file that is not a capture is refused with NOT_A_CAPTURE', async (t) => {
  const dir = tempDir()
  const f = join(dir, 'x.scap')
  writeFileSync(f, 'hello, this is not a capture at all')
  const err = await t.throwsAsync(async () => {
    for await (const _ of openCapture(f).batches()) t.fail()
  })
  t.true(err instanceof ScapError)
  t.is((err as ScapError).code, 'NOT_A_CAPTURE')
})

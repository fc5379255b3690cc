// Nothing is lost or overwritten: no command destroys a file it was not asked to replace (an
// input, a capture written over by a golden file or the reverse, a hard link of the input), two
// runs never write one file at once, an interrupted recording stays readable, and a recording of
// 0 events leaves nothing behind.
import test from 'ava'
import {spawn} from 'node:child_process'
import {existsSync, linkSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, projectRoot, tempDir} from './helpers.js'

const DUMMY = plugin('libdummy_api3.so')

async function recorded(dir: string, name = 'x.scap'): Promise<string> {
  const out = join(dir, name)
  const r = await cli(['record', '-p', DUMMY, '--init-config', '{"seed": 3}', '-o', out])
  if (r.status !== 0) throw new Error(r.stderr)
  return out
}

test('record refuses a golden path that is a capture, and a capture path that is a golden file', async (t) => {
  const dir = tempDir()
  const cap = await recorded(dir)
  const before = readFileSync(cap)
  const r = await cli(['record', '-p', DUMMY, '-o', join(dir, 'y.scap'), '--golden', cap])
  t.is(r.status, 2, r.stdout)
  t.regex(r.stderr, /x\.scap exists and is a capture, not a golden file: refusing to replace it \(--force replaces it\)/)
  t.deepEqual(readFileSync(cap), before)
  t.false(existsSync(join(dir, 'y.scap')), 'nothing was written: the outputs are checked before the plugins run')
  const g = await cli(['record', '-p', DUMMY, '-o', `${cap}.golden`])
  t.is(g.status, 2)
  t.regex(g.stderr, /x\.scap\.golden exists and is a golden file, not a capture/)
  const same = await cli(['record', '-p', DUMMY, '-o', join(dir, 'z.scap'), '--golden', join(dir, 'z.scap')])
  t.is(same.status, 2)
  t.regex(same.stderr, /named twice/)
  // --force replaces it
  const forced = await cli(['record', '-p', DUMMY, '-o', join(dir, 'y.scap'), '--golden', cap, '--force'])
  t.is(forced.status, 0, forced.stderr)
  t.regex(readFileSync(cap, 'utf8').slice(0, 30), /^# scaptool golden file/)
})

test('convert never overwrites its input, even through a hard link, and replaces only captures', async (t) => {
  const dir = tempDir()
  const cap = await recorded(dir)
  const before = readFileSync(cap)
  const link = join(dir, 'link.scap')
  linkSync(cap, link)
  const r = await cli(['convert', cap, link])
  t.is(r.status, 2, r.stdout)
  t.regex(r.stderr, /link\.scap is the same file as .*x\.scap \(an input of this run\)/)
  t.deepEqual(readFileSync(cap), before)
  const notes = join(dir, 'notes.txt')
  writeFileSync(notes, 'my notes')
  const n = await cli(['convert', cap, notes])
  t.is(n.status, 2)
  t.is(readFileSync(notes, 'utf8'), 'my notes')
  t.is((await cli(['convert', cap, notes, '--force'])).status, 0)
  // every output is a temporary file renamed at the end: nothing else is left in the directory
  t.deepEqual(readdirSync(dir).sort(), ['link.scap', 'notes.txt', 'x.scap', 'x.scap.golden'])
})

test('a JUnit report never replaces a capture or a golden file', async (t) => {
  const dir = tempDir()
  const cap = await recorded(dir)
  const other = await recorded(dir, 'other.scap')
  for (const target of [cap, `${cap}.golden`, other]) {
    const before = readFileSync(target)
    const r = await cli(['replay', cap, '-p', DUMMY, '--junit', target])
    t.is(r.status, 2, `${target}: ${r.stdout}`)
    t.deepEqual(readFileSync(target), before)
  }
})

test('two recordings to one output: the second is refused while the first runs', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'busy.scap')
  const slow = spawn(process.execPath, [join(projectRoot, 'bin', 'run.js'), 'record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "always"}', '-o', out, '--duration', '20s'], {stdio: 'ignore'})
  // the first claims the output: its temporary file appears
  for (let i = 0; i < 200 && !readdirSync(dir).some((f) => f.startsWith('.busy.scap.tmp-')); i++) await new Promise((r) => setTimeout(r, 50))
  const second = await cli(['record', '-p', DUMMY, '-o', out])
  t.is(second.status, 2, second.stdout)
  t.regex(second.stderr, /busy\.scap is being written by another scaptool \(process \d+\)/)
  slow.kill('SIGINT')
  await new Promise((r) => slow.on('close', r))
})

test('a recording killed with SIGKILL: the next run reports its partial capture (kept) and removes the partial golden file', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'k.scap')
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run.js'), 'record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "alternate"}', '--open-params', '{"maxEvents": 100000000}', '-o', out], {stdio: 'ignore', detached: true})
  for (let i = 0; i < 200 && readdirSync(dir).filter((f) => f.includes('.tmp-')).length < 2; i++) await new Promise((r) => setTimeout(r, 50))
  await new Promise((r) => setTimeout(r, 500))
  process.kill(-child.pid!, 'SIGKILL') // scaptool and its plugin host at once
  await new Promise((r) => child.on('close', r))
  const partial = readdirSync(dir).find((f) => f.startsWith('.k.scap.tmp-'))
  t.truthy(partial, readdirSync(dir).join(' '))
  const info = JSON.parse((await cli(['info', join(dir, partial!), '--json'])).stdout)
  t.true(info.events > 0, 'the partial capture is readable up to its last batch')
  const next = await cli(['record', '-p', DUMMY, '-o', out])
  t.is(next.status, 0, next.stderr)
  t.regex(next.stderr, /note: a recording interrupted before it completed \(process \d+\) left .*\.k\.scap\.tmp-\d+: it is readable up to its last batch; rename or remove it/)
  t.regex(next.stderr, /note: removed .*\.k\.scap\.golden\.tmp-\d+, left incomplete by an interrupted run/)
  t.true(existsSync(join(dir, partial!)), 'the partial capture is kept')
  t.false(readdirSync(dir).some((f) => f.startsWith('.k.scap.golden.tmp-')))
})

test('a recording of 0 events exits 1 and leaves nothing behind', async (t) => {
  const dir = tempDir()
  const out = join(dir, 'empty.scap')
  const r = await cli(['record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "always"}', '-o', out, '--duration', '1s'])
  t.is(r.status, 1, r.stderr)
  t.regex(r.stdout, /no events were recorded \(duration\): no capture or golden file was written/)
  t.deepEqual(readdirSync(dir), [])
  const j = JSON.parse((await cli(['record', '-p', plugin('libbad_timeout.so'), '--init-config', '{"mode": "always"}', '-o', out, '--duration', '500ms', '--json'])).stdout)
  t.like(j, {events: 0, written: false, golden: null})
})

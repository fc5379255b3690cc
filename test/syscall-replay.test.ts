// Golden files of syscall captures: recording live from a syscall source needs a kernel driver,
// so the golden file of a syscall capture comes from `replay --update`, then replay verifies it
// like any other. The run follows libsinsp event by event (the plugins parse events and keep
// state tables): its rows are the events libsinsp hands out, numbered as libsinsp numbers them
// (checked against the oracle's sinsp-example), and the order passes do not run.
import test from 'ava'
import {copyFileSync, existsSync, readdirSync, readFileSync} from 'node:fs'
import {basename, join} from 'node:path'

import {cli, plugin, sharedCaptures, tempDir} from './helpers.js'
import {sinspExample} from './oracle.js'

const DIR = tempDir('scaptool-syscall-replay-')

function captures(): string[] {
  const out: string[] = []
  for (const dir of ['libs', 'falco']) {
    out.push(...readdirSync(join(sharedCaptures, dir)).filter((n) => n.endsWith('.scap')).sort().map((n) => join(sharedCaptures, dir, n)))
  }
  if (out.length === 0) throw new Error(`no captures under ${sharedCaptures}`)
  return out
}

function need(lib: string): string {
  const path = plugin(lib)
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run -s build:fixtures`)
  return path
}

for (const source of captures()) {
  const name = source.slice(sharedCaptures.length + 1)
  test(`${name}: replay --update writes a golden file of libsinsp's events, then replay passes`, async (t) => {
    const capture = join(DIR, `${name.replace('/', '_')}`)
    copyFileSync(source, capture)
    const plugins = ['-p', need('libtables_owner_c.so'), '-p', need('libtables_reader_c.so')]
    const update = await cli(['replay', capture, ...plugins, '--update', '--json'])
    t.is(update.status, 0, update.stderr)
    const golden = `${capture}.golden`
    t.true(existsSync(golden), `${basename(golden)} written`)
    const rows = readFileSync(golden, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))
    const evtnums = rows.map((l) => Number(l.split('\t')[0]))
    const oracle = sinspExample(source, {plugins: [], format: '*%evt.num'})
    t.is(oracle.status, 0, oracle.stderr)
    t.deepEqual(evtnums, oracle.lines.map(Number), 'one row per event libsinsp hands out, with its evt.num')
    const report = JSON.parse(update.stdout) as {orderPassesSkipped?: string; reverse: boolean}
    t.truthy(report.orderPassesSkipped)
    const verify = await cli(['replay', capture, ...plugins])
    t.is(verify.status, 0, `${verify.stdout}${verify.stderr}`)
    t.regex(verify.stdout, /PASS/)
  })
}

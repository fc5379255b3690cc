// The 3.x state tables API against current libsinsp (the oracle's sinsp-example), on every real
// syscall capture of ../shared:
// * a plugin that adds a field to libsinsp's `threads` table and owns a table of its own, and a
//   plugin that reads both (and `threads`' own fields and subtables), in plain C
//   (fixtures/plugins/tables) and on the Rust SDK (fixtures/plugins/rust-tables): every printed
//   value identical, and the reader alone refused at init with the same reason;
// * a probe plugin (fixtures/plugins/tables/probe.c) that walks the corners of the API (type
//   errors, unknown tables and fields, dynamic fields, subtables, iteration, entries added and
//   erased) and writes down each answer: libsinsp's texts, word for word;
// * the official C++ SDK's syscall examples (fixtures/plugins/cpp-sdk-examples): syscall_parse and
//   syscall_extract refused at init with libsinsp's reasons, syscall_subtables' listings of the
//   args, fds and cgroups subtables identical, syscall_async's fields identical.
// A missing oracle, fixture or capture fails.
import test from 'ava'
import {existsSync, readdirSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, projectRoot, sharedCaptures} from './helpers.js'
import {sinspExample, type OraclePlugin} from './oracle.js'
import {difference, oraclePrint, scaptoolCli, type PrintCase} from './print-oracle.js'

function need(path: string): OraclePlugin {
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run -s build:fixtures`)
  return {path}
}

const C_OWNER = () => need(plugin('libtables_owner_c.so'))
const PROBE = () => need(plugin('libtables_probe_c.so'))
const C_READER = () => need(plugin('libtables_reader_c.so'))
const RS = (name: string) => need(join(projectRoot, 'fixtures', 'plugins', 'build', 'rust-tables', name))
const SDK = (name: string) => need(join(projectRoot, 'fixtures', 'plugins', 'build', 'cpp-sdk', name))

function syscallCaptures(): string[] {
  const out: string[] = []
  for (const dir of ['libs', 'falco']) {
    out.push(...readdirSync(join(sharedCaptures, dir)).filter((n) => n.endsWith('.scap')).sort().map((n) => join(sharedCaptures, dir, n)))
  }
  if (out.length === 0) throw new Error(`no captures under ${sharedCaptures}`)
  return out
}

async function agree(t: import('ava').ExecutionContext, c: PrintCase): Promise<string[]> {
  const want = oraclePrint(c)
  const got = await scaptoolCli(c)
  t.is(difference(want, got), undefined, `${c.capture} | ${c.format}${c.json ? ' -j' : ''}`)
  return want.lines
}

const C_FIELDS = '*%evt.num %evt.type %owner_c.count %owner_c.threads_at_open %reader_c.opens %reader_c.comm %reader_c.thread_opens %reader_c.pid %reader_c.nfds %reader_c.fds %reader_c.args %reader_c.tables'
const RS_FIELDS = '*%evt.num %evt.type %owner_rs.count %owner_rs.threads_at_open %reader_rs.opens %reader_rs.comm %reader_rs.thread_opens %reader_rs.pid %reader_rs.nfds %reader_rs.fds'

for (const cap of syscallCaptures()) {
  const name = cap.slice(sharedCaptures.length + 1)
  test(`${name}: a C plugin's table, its field on threads, and threads' subtables read by another C plugin`, async (t) => {
    const lines = await agree(t, {capture: cap, plugins: [C_OWNER(), C_READER()], format: C_FIELDS})
    t.true(lines.length > 0)
    await agree(t, {capture: cap, plugins: [C_OWNER(), C_READER()], format: C_FIELDS, json: true})
  })
  test(`${name}: the table API's answers (type errors, dynamic fields, subtables, iteration, entries added and erased) are libsinsp's, text for text`, async (t) => {
    const lines = await agree(t, {capture: cap, plugins: [PROBE()], filter: 'evt.num < 160', format: '*%evt.num %probe.init %probe.parse', json: true})
    t.true(lines.length > 0)
    // the probe ran its parse-time steps on some event of those
    t.true(lines.some((l) => (JSON.parse(l) as Record<string, string>)['probe.parse'].includes('iterate threads')), 'the probe parsed an event')
  })
  test(`${name}: the same through the Rust SDK`, async (t) => {
    const lines = await agree(t, {capture: cap, plugins: [RS('libtables_owner_rs.so'), RS('libtables_reader_rs.so')], format: RS_FIELDS})
    t.true(lines.length > 0)
  })
  test(`${name}: the C++ SDK's syscall_subtables lists the same args, fds and cgroups; syscall_async's fields agree`, async (t) => {
    const sub = SDK('libsyscall_subtables.so')
    const want = sinspExample(cap, {plugins: [sub], format: '*%evt.num %evt.type'})
    t.is(want.status, 0, want.stderr)
    const got = await cli(['print', cap, '-p', sub.path, '-o', '*%evt.num %evt.type'])
    t.is(got.status, 0, got.stderr)
    // the plugin's own printf lines, in order (its stdout is not ordered with the event lines)
    const listing = (text: string) => text.split('\n').filter((l) => l !== '' && !/^\d+ /.test(l) && !/^(-- |Retrieved events|Time spent|Events\/ms)/.test(l))
    t.deepEqual(listing(got.stdout), listing(want.stdout))
    await agree(t, {capture: cap, plugins: [SDK('libsyscall_async.so')], format: '*%evt.num %evt.type %myplugin.geteventname %myplugin.geteventdata'})
  })
}

/** libsinsp's reason for refusing a plugin at init (sinsp-example prints it and exits). */
function oracleInitError(plugins: OraclePlugin[]): string {
  const r = sinspExample(join(sharedCaptures, 'falco', 'cat_write.scap'), {plugins, format: '%evt.num'})
  t_assert(r.status !== 0, `sinsp-example accepted the plugins: ${r.stdout.slice(0, 200)}`)
  const m = /Error while initing plugin: could not initialize plugin: (.*)/.exec(r.stderr)
  t_assert(m !== null, `no init error from sinsp-example: ${r.stderr}`)
  return m![1]
}

function t_assert(cond: boolean, message: string): void {
  if (!cond) throw new Error(message)
}

test('a plugin refused at init gives libsinsp\'s reason: the reader without its owner, the C++ SDK syscall_parse and syscall_extract', async (t) => {
  const cases: Array<[string, OraclePlugin[]]> = [
    ['tables_reader_c', [C_READER()]],
    ['tables_reader_rs', [RS('libtables_reader_rs.so')]],
    ['syscall-parse-example', [SDK('libsyscall_parse.so')]],
    ['syscall-extract-example', [SDK('libsyscall_extract.so')]],
  ]
  for (const [name, plugins] of cases) {
    const reason = oracleInitError(plugins)
    const args = ['print', join(sharedCaptures, 'falco', 'cat_write.scap')]
    for (const p of plugins) args.push('-p', p.path)
    const r = await cli(args)
    t.is(r.status, 4, `${name}: ${r.stdout}${r.stderr}`)
    t.true(r.stderr.includes(`plugin '${name}' failed to initialize: ${reason}`), `${name}: libsinsp says "${reason}", scaptool: ${r.stderr}`)
  }
  // libsinsp's own text, not a paraphrase
  t.is(oracleInitError([SDK('libsyscall_parse.so')]), "can't get field: incompatible data types for static field: tid")
})

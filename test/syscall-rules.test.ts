// Syscall rules replayed on the real syscall captures of ../shared, against current Falco (the
// oracle): rules on libsinsp's process and fd state (proc.*, thread.tid, fd.*, evt.arg*), alone
// and with plugins that parse events and keep state tables (the C table fixtures), in text and
// JSON. stdout must be byte-identical (alerts and summary). A missing oracle, fixture or capture
// fails.
import test, {type ExecutionContext} from 'ava'
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, sharedCaptures, tempDir} from './helpers.js'
import {falcoReplay} from './oracle.js'

const DIR = tempDir('scaptool-syscall-rules-')
const HOSTNAME = 'syscall-rules-host'

const RULES = `- rule: Files opened
  desc: open family exits with a file
  condition: evt.type in (open, openat, openat2, creat) and fd.typechar = f and proc.pid > 0
  output: opened (file=%fd.name fd=%fd.num pid=%proc.pid tid=%thread.tid ppid=%proc.ppid parent=%proc.pname cmd=%proc.cmdline exe=%proc.exe flags=%evt.arg.flags)
  priority: WARNING
- rule: Network
  desc: connections
  condition: evt.type in (connect, accept, accept4, sendto) and fd.type in (ipv4, ipv6)
  output: net (tuple=%fd.name proc=%proc.name args=%evt.args)
  priority: NOTICE
- rule: Process started
  desc: execve
  condition: evt.type = execve and evt.dir = < and proc.name exists
  output: exec (proc=%proc.name exepath=%proc.exepath args=%proc.args cwd=%proc.cwd res=%evt.arg.res)
  priority: INFORMATIONAL
`

const TABLE_RULES = `- rule: Thread opens counted by a plugin
  desc: the C table fixtures
  condition: evt.type in (open, openat) and reader_c.thread_opens > 1
  output: counted (opens=%reader_c.opens thread=%reader_c.thread_opens comm=%reader_c.comm nfds=%reader_c.nfds owner=%owner_c.count pid=%proc.pid)
  priority: WARNING
`

let files = 0
function rulesFile(text: string): string {
  const dir = join(DIR, `rules-${files++}`)
  mkdirSync(dir)
  const file = join(dir, 'rules.yaml')
  writeFileSync(file, text)
  return file
}

function captures(): string[] {
  const out: string[] = []
  for (const dir of ['libs', 'falco']) {
    out.push(...readdirSync(join(sharedCaptures, dir)).filter((n) => n.endsWith('.scap')).sort().map((n) => join(sharedCaptures, dir, n)))
  }
  if (out.length === 0) throw new Error(`no captures under ${sharedCaptures}`)
  return out
}

const need = (name: string, lib: string) => {
  const path = plugin(lib)
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm run -s build:fixtures`)
  return {name, path}
}

async function same(t: ExecutionContext, capture: string, rules: string, plugins: Array<{name: string; path: string}>, json: boolean): Promise<number> {
  const file = rulesFile(rules)
  const falco = falcoReplay(DIR, capture, {plugins, rules: [file], json, hostname: HOSTNAME})
  t.is(falco.status, 0, falco.stderr)
  const args = ['replay', capture, ...plugins.flatMap((p) => ['-p', p.path]), '--rules', file, ...(json ? ['--alert-format', 'json'] : [])]
  const ours = await cli(args, {env: {FALCO_HOSTNAME: HOSTNAME}})
  t.is(ours.status, 0, ours.stderr)
  t.is(ours.stdout, falco.stdout, capture)
  return Number(/^Events detected: (\d+)$/m.exec(falco.stdout)?.[1] ?? 0)
}

for (const capture of captures()) {
  const name = capture.slice(sharedCaptures.length + 1)
  test(`${name}: syscall rules alert as Falco's, text and JSON`, async (t) => {
    await same(t, capture, RULES, [], false)
    await same(t, capture, RULES, [], true)
  })
  test(`${name}: rules on fields of plugins that keep state tables alert as Falco's`, async (t) => {
    const plugins = [need('tables_owner_c', 'libtables_owner_c.so'), need('tables_reader_c', 'libtables_reader_c.so')]
    await same(t, capture, TABLE_RULES, plugins, false)
    await same(t, capture, TABLE_RULES, plugins, true)
  })
}

test('the rules do alert (the comparisons are not between empty runs)', async (t) => {
  t.true((await same(t, join(sharedCaptures, 'falco', 'open-multiple-files.scap'), RULES, [], false)) > 10)
  const plugins = [need('tables_owner_c', 'libtables_owner_c.so'), need('tables_reader_c', 'libtables_reader_c.so')]
  t.true((await same(t, join(sharedCaptures, 'falco', 'open-multiple-files.scap'), TABLE_RULES, plugins, false)) > 10)
  t.true((await same(t, join(sharedCaptures, 'libs', 'curl_google.scap'), RULES, [], true)) > 2)
})

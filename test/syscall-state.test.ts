// Syscall captures printed with the fields libsinsp computes from its process state (proc.*,
// thread.tid, fd.*, evt.arg*, evt.args), against current libsinsp (the oracle's sinsp-example,
// which prints every thread with -a): every line identical, on every real syscall capture of
// ../shared. The state comes from the capture's process and fd lists, then from clone, execve,
// procexit and fd events, as libsinsp's parser keeps it; evt.num is libsinsp's (libscap's event
// converter merges old enter events into exit events). A missing oracle or capture fails.
import test from 'ava'
import {existsSync, readdirSync} from 'node:fs'

import {capture, sharedCaptures} from './helpers.js'
import {difference, oraclePrint, scaptoolCli, type PrintCase} from './print-oracle.js'

/** Every capture of ../shared/captures/{libs,falco} that holds syscall events. */
function syscallCaptures(): string[] {
  const out: string[] = []
  for (const dir of ['libs', 'falco']) {
    const names = readdirSync(`${sharedCaptures}/${dir}`).filter((n) => n.endsWith('.scap')).sort()
    out.push(...names.map((n) => `${dir}/${n}`))
  }
  if (out.length === 0) throw new Error(`no captures under ${sharedCaptures}`)
  return out
}

const STATE = '*%evt.num %evt.type %proc.name %proc.pid %thread.tid %proc.exe %proc.cmdline %fd.num %fd.name %fd.type %fd.typechar'
const MORE = '*%evt.num %proc.ppid %proc.pname %proc.cwd %proc.args %proc.exepath %evt.args'
const ARGS = '*%evt.num %evt.arg.fd %evt.arg.res %evt.arg.name %evt.arg.tuple %evt.arg.flags %evt.arg[0] %evt.arg[1] %evt.arg[2]'

async function agree(t: import('ava').ExecutionContext, c: PrintCase): Promise<void> {
  const want = oraclePrint(c)
  const got = await scaptoolCli(c)
  t.is(difference(want, got), undefined, `${c.capture} ${c.filter ?? ''} | ${c.format}${c.json ? ' -j' : ''}`)
  t.true(want.lines.length > 0 || c.filter !== undefined, `${c.capture}: libsinsp prints something`)
}

for (const rel of syscallCaptures()) {
  test(`${rel}: process, thread and fd fields of every event are libsinsp's`, async (t) => {
    const cap = capture(rel)
    if (!existsSync(cap)) throw new Error(`${cap} is missing`)
    await agree(t, {capture: cap, plugins: [], format: STATE})
    await agree(t, {capture: cap, plugins: [], format: MORE})
    await agree(t, {capture: cap, plugins: [], format: ARGS, json: true})
  })
}

test('syscall fields in filters: signed numbers, strings, and a format without * skips events with a missing value', async (t) => {
  const cap = capture('falco/open-multiple-files.scap')
  await agree(t, {capture: cap, plugins: [], filter: 'proc.pid > 0 and fd.name contains /etc', format: '%evt.num %proc.name %fd.name'})
  await agree(t, {capture: cap, plugins: [], filter: 'thread.tid = -1 or proc.pid < 0', format: '*%evt.num %evt.type'})
  await agree(t, {capture: cap, plugins: [], filter: 'evt.type in (open, openat) and fd.typechar = f', format: '%evt.num %fd.num %evt.arg.flags'})
  await agree(t, {capture: cap, plugins: [], format: '%evt.num %proc.name %fd.name'})
})

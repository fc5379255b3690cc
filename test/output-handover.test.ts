// Every line of output reaches its destination: print and rules output crosses from the plugin
// host to the CLI, through a file, complete and byte-identical run after run; large alerts
// counts, large error messages and values of a megabyte arrive whole.
import test from 'ava'
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {createWriteStream, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, projectRoot, tempDir} from './helpers.js'

const DUMMY = plugin('libdummy_api3.so')

/** Runs scaptool with stdout redirected to a file (as `scaptool ... > out`); resolves with the exit status. */
function toFile(args: string[], out: string): Promise<{status: number; stderr: string}> {
  return new Promise((resolve, reject) => {
    const file = createWriteStream(out)
    file.on('open', (fd) => {
      const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run.js'), ...args], {stdio: ['ignore', fd, 'pipe']})
      let stderr = ''
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      child.on('error', reject)
      child.on('close', (code) => file.close(() => resolve({status: code ?? -1, stderr})))
    })
  })
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

async function recordEvents(dir: string, n: number): Promise<string> {
  const cap = join(dir, `d${n}.scap`)
  const r = await cli(['record', '-p', DUMMY, '--init-config', '{"seed": 1}', '--open-params', `{"maxEvents": ${n}}`, '-o', cap, '--no-golden'])
  if (r.status !== 0) throw new Error(r.stderr)
  return cap
}

for (const events of [50_000, 2_000_000]) {
  test(`20 consecutive prints of ${events.toLocaleString('en')} events to a file are complete and byte-identical`, async (t) => {
    const dir = tempDir()
    const cap = await recordEvents(dir, events)
    let first = ''
    for (let i = 0; i < 20; i++) {
      const out = join(dir, `out${i}.txt`)
      const r = await toFile(['print', cap, '-p', DUMMY, '-o', '%evt.num %dummy.value %evt.plugininfo'], out)
      t.is(r.status, 0, `run ${i}: ${r.stderr}`)
      const text = readFileSync(out, 'utf8')
      if (i === 0) {
        const lines = text.split('\n')
        t.is(lines.length - 1, events)
        t.regex(lines[events - 1], new RegExp(`^${events} \\d+ \\{"sample": "\\d+"\\}$`))
        first = sha(out)
      } else t.is(sha(out), first, `run ${i} differs`)
    }
  })
}

test('replay --rules with 10,000 alerts to a file: every alert and the summary arrive', async (t) => {
  const dir = tempDir()
  const cap = await recordEvents(dir, 10_000)
  const rules = join(dir, 'rules.yaml')
  writeFileSync(rules, '- rule: every\n  desc: d\n  condition: dummy.value > 0\n  output: value %dummy.value info %evt.plugininfo\n  priority: INFO\n  source: dummy\n')
  const out = join(dir, 'alerts.txt')
  const r = await toFile(['replay', cap, '-p', DUMMY, '-r', rules], out)
  t.is(r.status, 0, r.stderr)
  const lines = readFileSync(out, 'utf8').trim().split('\n')
  t.is(lines.filter((l) => l.includes(': Informational value ')).length, 10_000)
  t.true(lines.includes('Events detected: 10000'))
})

test('a value of a megabyte prints whole; an error in a 60 KB filter arrives, without echoing the filter whole', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'mb.scap')
  const rec = await cli(['record', '-p', plugin('libbad_big_payload.so'), '--init-config', '{"size": 1048576}', '--open-params', '{"maxEvents": 12}', '-x', plugin('libpayloadx3.so'), '-o', cap])
  t.is(rec.status, 0, rec.stderr)
  const out = join(dir, 'mb.txt')
  const r = await toFile(['print', cap, '-p', plugin('libbad_big_payload.so'), '-p', plugin('libpayloadx3.so'), '-o', '%evt.num %payload.len %payload.text'], out)
  t.is(r.status, 0, r.stderr)
  const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean)
  t.is(lines.length, 12)
  for (const l of lines) {
    const [, len, text] = l.split(' ')
    t.is(len, '1048576')
    t.is(text.length, 1048576)
  }
  t.true(statSync(out).size > 12 * 1048576)
  // an error in a 60 KB filter: the message arrives, with the column's surroundings only
  const filter = ['payload.len > 1', ...Array.from({length: 3000}, (_, k) => `payload.len > ${k}`), 'payload.lne > 3'].join(' and ')
  const e = await cli(['print', cap, '-p', plugin('libbad_big_payload.so'), '-p', plugin('libpayloadx3.so'), filter])
  t.is(e.status, 2)
  t.regex(e.stderr, /^error: filter:1:\d+: unknown field 'payload\.lne'/)
  t.regex(e.stderr, /\n {2}….* and payload\.lne > 3\n {3} +\^\n$/)
  t.true(e.stderr.length < 400, `${e.stderr.length} characters`)
})

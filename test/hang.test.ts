// A plugin that never returns is reported, never waited on forever: --plugin-timeout (per
// plugin call) in every command that runs plugins, --duration and the first Ctrl-C hold whatever
// the plugin does, and the plugin host never outlives the CLI (PR_SET_PDEATHSIG).
import test from 'ava'
import {spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {hostEnv, restoreHostEnv} from '../src/worker/host-env.js'
import {cli, plugin, projectRoot, tempDir} from './helpers.js'

const HANG = plugin('libbad_hang.so')
const hangIn = (where: string, at = 1) => JSON.stringify({hang_in: where, at})

async function recorded(dir: string): Promise<string> {
  const cap = join(dir, 'ok.scap')
  const r = await cli(['record', '-p', HANG, '--open-params', '{"maxEvents": 30}', '-o', cap, '--no-golden'])
  if (r.status !== 0) throw new Error(r.stderr)
  return cap
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now()
  const r = await f()
  return [r, Date.now() - start]
}

test('plugin info: a plugin stuck in init is stopped after --plugin-timeout and reported (exit 4)', async (t) => {
  const [r, ms] = await timed(() => cli(['plugin', 'info', HANG, '--init-config', hangIn('init'), '--plugin-timeout', '1']))
  t.is(r.status, 4, r.stdout)
  t.regex(r.stderr, /plugin 'bad_hang' did not return from init within 1 s \(--plugin-timeout; 0 waits forever\): the plugin host was stopped/)
  t.true(ms < 20_000, `${ms} ms`)
})

test('replay, print and rules: a plugin stuck in extract is named with its event and field (exit 4)', async (t) => {
  const dir = tempDir()
  const cap = await recorded(dir)
  const stuck = ['-p', HANG, '--init-config', hangIn('extract', 7), '--plugin-timeout', '1']
  const expected = /plugin 'bad_hang' did not return from extract \(evt\.num 7, field hang\.value\) within 1 s/
  const replay = await cli(['replay', cap, ...stuck])
  t.is(replay.status, 4, replay.stdout)
  t.regex(replay.stderr, expected)
  const print = await cli(['print', cap, ...stuck, '-o', '%hang.value'])
  t.is(print.status, 4, print.stdout)
  t.regex(print.stderr, expected)
  const rules = join(dir, 'rules.yaml')
  writeFileSync(rules, '- rule: r\n  desc: d\n  condition: hang.value > 0\n  output: v %hang.value\n  priority: INFO\n  source: dummy\n')
  const alerts = await cli(['replay', cap, ...stuck, '-r', rules])
  t.is(alerts.status, 4, alerts.stdout)
  t.regex(alerts.stderr, expected)
  // --json: the error as data
  const j = await cli(['replay', cap, ...stuck, '--json'])
  t.is(j.status, 4)
  t.like(JSON.parse(j.stdout).error, {name: 'PluginError', code: 'plugin_timeout', plugin: 'bad_hang', evtnum: 7})
})

test('record: a source stuck in next_batch keeps a readable capture up to its last batch, no golden file', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'h.scap')
  const r = await cli(['record', '-p', HANG, '--init-config', hangIn('next', 40), '--open-params', '{"maxEvents": 100}', '-o', cap, '--plugin-timeout', '1'])
  t.is(r.status, 4, r.stdout)
  t.regex(r.stderr, /plugin 'bad_hang' did not return from next_batch within 1 s/)
  t.regex(r.stderr, /the capture keeps 39 complete events: .*h\.scap; no golden file was written/)
  const info = JSON.parse((await cli(['info', cap, '--json'])).stdout)
  t.is(info.events, 39)
  t.true(info.complete)
  t.false(existsSync(`${cap}.golden`))
})

test('record: --duration holds when a source never returns', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'd.scap')
  const [r, ms] = await timed(() => cli(['record', '-p', HANG, '--init-config', hangIn('next', 40), '--open-params', '{"maxEvents": 100}', '-o', cap, '--duration', '1s', '--plugin-timeout', '0']))
  t.is(r.status, 4, r.stdout)
  t.regex(r.stderr, /did not return from next_batch within 1 s of the end of --duration/)
  t.true(ms < 20_000, `${ms} ms`)
})

test('record: the first Ctrl-C ends the command within about a second even when the plugin hangs', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'c.scap')
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run.js'), 'record', '-p', HANG, '--init-config', hangIn('next', 40), '--open-params', '{"maxEvents": 100}', '-o', cap, '--plugin-timeout', '0'], {stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  // wait for the stuck call: the capture holds the events before it
  for (let i = 0; i < 100 && !(existsSync(cap) && (await cli(['info', cap, '--json'])).stdout.includes('"events":39')); i++) await new Promise((r) => setTimeout(r, 200))
  const sent = Date.now()
  child.kill('SIGINT')
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  const ms = Date.now() - sent
  t.is(code, 4, stderr)
  t.regex(stderr, /within 1 s of Ctrl-C: the plugin host was stopped/)
  t.true(ms < 5000, `${ms} ms after SIGINT`)
})

test('the plugin host dies with the CLI: kill -9 of scaptool leaves no plugin process behind', async (t) => {
  const dir = tempDir()
  const cap = await recorded(dir)
  const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run.js'), 'print', cap, '-p', HANG, '--init-config', hangIn('extract', 3), '--plugin-timeout', '0', '-o', '%hang.value'], {stdio: 'ignore'})
  let host = ''
  for (let i = 0; i < 100 && !host; i++) {
    await new Promise((r) => setTimeout(r, 100))
    host = spawnSync('pgrep', ['-P', String(child.pid)], {encoding: 'utf8'}).stdout.trim()
  }
  t.regex(host, /^\d+$/, 'the plugin host started')
  child.kill('SIGKILL')
  await new Promise((resolve) => child.on('close', resolve))
  let alive = true
  for (let i = 0; i < 50 && alive; i++) {
    await new Promise((r) => setTimeout(r, 100))
    alive = spawnSync('kill', ['-0', host]).status === 0
  }
  t.false(alive, `plugin host ${host} outlived the CLI`)
})

test('the plugin host started ahead (while oclif loads) and never used ends with the CLI', async (t) => {
  // `record` starts its plugin host first thing; a usage error then ends the CLI before any run.
  const mark = `SCAPTOOL_TEST_MARK=${process.pid}-${Date.now()}`
  const [r, ms] = await timed(() => cli(['record', '-p', HANG, '-o', join(tempDir(), 'x.scap'), '--max-events', '0'], {env: {...process.env, [mark.split('=')[0]]: mark.split('=')[1]}}))
  t.is(r.status, 2, r.stderr)
  t.true(ms < 5000, `took ${ms} ms`)
  const marked = () =>
    spawnSync('sh', ['-c', `grep -lsa '${mark}' /proc/[0-9]*/environ || true`], {encoding: 'utf8'})
      .stdout.split('\n')
      .filter((f) => f && !f.startsWith(`/proc/${process.pid}/`))
  let left = marked()
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    left = marked()
  }
  t.deepEqual(left, [], 'processes of that run still alive')
})

test('the plugin host starts without parsing NODE_EXTRA_CA_CERTS, and gives it back to plugins', async (t) => {
  const given = {NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', KUBECONFIG: '/k'}
  const host = hostEnv(given)
  t.is(host.NODE_EXTRA_CA_CERTS, undefined, 'Node in the host would parse the bundle at start-up')
  t.is(host.KUBECONFIG, '/k')
  restoreHostEnv(host)
  t.deepEqual(host, given, 'plugins see the environment scaptool was given')
  t.deepEqual(hostEnv({A: '1'}), {A: '1'})
  // scaptool run as users run it (bin/run.js itself, whose first line is for sh): neither the
  // CLI's Node nor its plugin host starts with the variable (/proc/PID/environ)
  const mark = `${process.pid}-${Date.now()}`
  const child = spawn(join(projectRoot, 'bin', 'run.js'), ['record', '-p', HANG, '-o', join(tempDir(), 'x.scap')], {
    env: {...process.env, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', SCAPTOOL_TEST_MARK: mark},
    stdio: 'ignore',
  })
  let hostPid = ''
  for (let i = 0; i < 100 && !hostPid; i++) {
    await new Promise((r) => setTimeout(r, 50))
    hostPid = spawnSync('pgrep', ['-P', String(child.pid)], {encoding: 'utf8'}).stdout.trim()
  }
  const environ = (pid: string | number) => readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0')
  const [cliEnv, hostStartEnv] = [environ(child.pid!), environ(hostPid)]
  child.kill('SIGKILL')
  t.true(hostStartEnv.includes(`SCAPTOOL_TEST_MARK=${mark}`), 'the host of that run')
  t.false(hostStartEnv.some((v) => v.startsWith('NODE_EXTRA_CA_CERTS=')))
  t.true(cliEnv.includes(`SCAPTOOL_TEST_MARK=${mark}`))
  t.false(cliEnv.some((v) => v.startsWith('NODE_EXTRA_CA_CERTS=')), 'the sh line of bin/run.js')
})

// A source plugin before API 3.0 with plugin id 0 (old builds of the guide's dummy_c never set
// one) is handled one way in record, replay, print and rules, as Debian's sysdig 0.29.3 handles
// it: its events are stored with plugin id 0 and given back to the loaded source plugin with
// id 0. `plugin info` warns that current libsinsp reserves id 0 for the syscall source.
import test from 'ava'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, run, tempDir} from './helpers.js'

const LIB = plugin('libdummy_api0_3_id0.so')
const CONFIG = '{"jitter": 10, "seed": 7}'
const PARAMS = '{"start": 1, "maxEvents": 40}'
const FORMAT = '*%evt.num %dummy.value %dummy.divisible[3] %dummy.strvalue [%evt.pluginname] %evt.plugininfo'

function sysdigYaml(dir: string): string {
  const file = join(dir, 'plugins.yaml')
  writeFileSync(file, `plugins:\n  - {name: dummy_api0_3_id0, library_path: ${LIB}, init_config: '${CONFIG}', open_params: '${PARAMS}'}\nload_plugins: [dummy_api0_3_id0]\n`)
  return file
}

function sysdig(args: string[]): string {
  return run('env', ['TZ=UTC', 'sysdig', ...args])
}

test('plugin info warns about id 0 (text and JSON)', async (t) => {
  const text = await cli(['plugin', 'info', LIB])
  t.is(text.status, 0, text.stderr)
  t.regex(text.stdout, /source\s+id 0, event source "dummy"/)
  t.regex(text.stdout, /warning\s+plugin id 0: its events are stored with plugin id 0, which current libsinsp reserves for the syscall source/)
  const j = JSON.parse((await cli(['plugin', 'info', LIB, '--json'])).stdout)
  t.is(j.info.id, 0)
  t.true(j.info.warnings.some((w: string) => w.startsWith('plugin id 0:')))
  // a plugin with an id has no such warning
  const other = JSON.parse((await cli(['plugin', 'info', plugin('libdummy_api0_3.so'), '--json'])).stdout)
  t.false(other.info.warnings.some((w: string) => w.startsWith('plugin id 0:')))
})

test('print reads a capture sysdig recorded live from an id-0 source as sysdig does', async (t) => {
  const dir = tempDir()
  const yaml = sysdigYaml(dir)
  const cap = join(dir, 'sysdig.scap')
  sysdig(['--plugin-config-file', yaml, '-w', cap])
  const info = JSON.parse((await cli(['info', cap, '--json'])).stdout)
  t.deepEqual(info.eventsByPlugin, [{pluginId: 0, count: 40}])
  for (const [filter, format] of [[[], FORMAT], [['dummy.divisible[3] = 1'], '%evt.num %dummy.value'], [[], undefined]] as const) {
    const expected = sysdig(['--plugin-config-file', yaml, '-r', cap, ...(format ? ['-p', format] : []), ...filter])
    const r = await cli(['print', cap, '-p', LIB, '--init-config', CONFIG, ...(format ? ['-o', format] : []), ...filter])
    t.is(r.status, 0, r.stderr)
    t.is(r.stdout, expected, `${filter} ${format}`)
  }
})

test('record from an id-0 source: sysdig reads the capture; replay and rules give the values back to the plugin', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'scaptool.scap')
  const rec = await cli(['record', '-p', LIB, '--init-config', CONFIG, '--open-params', PARAMS, '--field', 'dummy.divisible[3]', '-o', cap])
  t.is(rec.status, 0, rec.stderr)
  const info = JSON.parse((await cli(['info', cap, '--json'])).stdout)
  t.deepEqual(info.eventsByPlugin, [{pluginId: 0, count: 40}])
  const printed = await cli(['print', cap, '-p', LIB, '-o', FORMAT])
  t.is(printed.stdout, sysdig(['--plugin-config-file', sysdigYaml(dir), '-r', cap, '-p', FORMAT]))
  t.false(printed.stdout.includes('<NA>'))
  const replay = JSON.parse((await cli(['replay', cap, '-p', LIB, '--json'])).stdout)
  t.true(replay.passed, replay.failures.join('\n'))
  t.true(replay.columns.every((c: {compared: number; values: number}) => c.compared === 40 && c.values === 40))
  const rules = join(dir, 'rules.yaml')
  writeFileSync(rules, '- rule: divisible\n  desc: d\n  condition: dummy.divisible[3] = 1\n  output: three %dummy.value\n  priority: INFO\n  source: dummy\n')
  const alerts = await cli(['replay', cap, '-p', LIB, '-r', rules, '--json'])
  t.is(alerts.status, 0, alerts.stderr)
  const out = JSON.parse(alerts.stdout)
  const expected = sysdig(['--plugin-config-file', sysdigYaml(dir), '-r', cap, '-p', '%dummy.value', 'dummy.divisible[3] = 1']).trim().split('\n')
  t.is(out.summary.alerts, expected.length)
  t.true(expected.length > 0)
})

// Upgrade verdicts: a plugin moving between API generations (text arguments becoming typed) is
// its own category, not a field change; values that changed are listed even when the field's
// kind changed too; a downgrade says so in words.
import test from 'ava'
import {join} from 'node:path'

import {upgradeVerdicts} from '../src/engine/verdict.js'
import type {ReplayReport} from '../src/engine/replay.js'
import {cli, plugin, tempDir} from './helpers.js'

test('a plugin moving from API 0.3 to 3.0 with a patch bump: typed arguments are a generation change, honest', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'up.scap')
  const rec = await cli(['record', '-p', plugin('libdummy_upgrade_api0_3.so'), '--init-config', '{"seed": 1}', '--field', 'dummy.divisible[3]', '-o', cap])
  t.is(rec.status, 0, rec.stderr)
  const r = await cli(['replay', cap, '-p', plugin('libdummy_upgrade_api3.so'), '--json'])
  t.is(r.status, 0, r.stdout)
  const [u] = JSON.parse(r.stdout).upgrades
  t.like(u, {plugin: 'dummy_upgrade', recordedVersion: '0.1.0', replayedVersion: '0.1.1', recordedGeneration: '0.3', replayedGeneration: '3.x', required: 'patch', actual: 'patch', honest: true})
  t.deepEqual(u.changed, [])
  t.deepEqual(u.valuesChanged, [])
  t.deepEqual(u.generationChanges.map((c: {field: string}) => c.field), ['dummy.divisible', 'dummy.value', 'dummy.strvalue'])
  t.deepEqual(u.generationChanges[0], {field: 'dummy.divisible', from: 'uint64, arg legacy-required', to: 'uint64, arg required-index'})
  const text = await cli(['replay', cap, '-p', plugin('libdummy_upgrade_api3.so')])
  t.regex(text.stdout, /upgrade {2}dummy_upgrade: 0\.1\.0 → 0\.1\.1 is a patch bump; no field changes: needs at least patch \(plugin API 0\.3 → 3\.x: 3 arguments change form with the API generation \(text ↔ typed\), which needs no bump: dummy\.divisible legacy-required → required-index/)
  // and back: a downgrade is named as such
  const back = join(dir, 'back.scap')
  const rec2 = await cli(['record', '-p', plugin('libdummy_upgrade_api3.so'), '--init-config', '{"seed": 1}', '--field', 'dummy.divisible[3]', '-o', back])
  t.is(rec2.status, 0, rec2.stdout + rec2.stderr)
  const down = await cli(['replay', back, '-p', plugin('libdummy_upgrade_api0_3.so')])
  t.is(down.status, 1, down.stdout + down.stderr)
  t.regex(down.stdout, /0\.1\.1 → 0\.1\.0 is a downgrade \(no field changes\): the replaying version must not be lower than the recorded one \(plugin API 3\.x → 0\.3/)
})

function report(rec: {version: string; fields: Array<{name: string; type: string; isList: boolean; arg: string}>}, now: typeof rec, mismatches: Record<string, number>): ReplayReport {
  const header = {name: 'p', requiredApiVersion: '3.0.0', generation: '3.x', role: 'source', id: 9, eventSource: 's', library: 'libp.so', configSha256: '', columns: rec.fields.map((f) => ({column: f.name, name: f.name, arg: null, type: f.type, isList: f.isList})), ...rec}
  return {
    capture: 'c', golden: 'c.golden', updated: null, events: 10, mismatches: [], orderDifferences: [], batchingDifferences: [], batchingProbed: [], reverse: true, shuffleSeed: null, threads: 1,
    positions: {binWidth: 1, bins: 0, events: [], columns: []}, distributions: [],
    columns: rec.fields.map((f) => ({column: f.name, plugin: 'p', compared: 10, mismatches: mismatches[f.name] ?? 0, reverseDifferences: 0, shuffleDifferences: 0, batchingDifferences: 0, values: 10, absent: 0, errors: 0, notApplicable: 0})),
    plugins: [{name: 'p', version: now.version, path: 'libp.so', generation: '3.x', requiredApiVersion: '3.0.0', fields: now.fields}],
    recordedPlugins: [header],
    progress: {events: 10, position: 0, fileSize: 0, elapsedMs: 0, done: true, batchingProbeable: false},
    timings: {readMs: 0, goldenMs: 0, extractMs: 0, compareMs: 0},
  }
}

test('values that changed are listed even when the field kind changed too', (t) => {
  const [u] = upgradeVerdicts(
    report(
      {version: '1.0.0', fields: [{name: 'p.a', type: 'uint64', isList: false, arg: 'none'}, {name: 'p.b', type: 'string', isList: false, arg: 'none'}]},
      {version: '2.0.0', fields: [{name: 'p.a', type: 'string', isList: false, arg: 'none'}, {name: 'p.b', type: 'string', isList: false, arg: 'none'}]},
      {'p.a': 10, 'p.b': 3},
    ),
  )
  t.deepEqual(u.changed, [{field: 'p.a', from: 'uint64, arg none', to: 'string, arg none'}])
  t.deepEqual(u.valuesChanged, ['p.a', 'p.b'])
  t.like(u, {required: 'major', actual: 'major', honest: true})
})

test('a type change with a legacy argument is a field change, not a generation change', (t) => {
  const [u] = upgradeVerdicts(
    report({version: '1.0.0', fields: [{name: 'p.a', type: 'uint64', isList: false, arg: 'legacy-optional'}]}, {version: '1.0.1', fields: [{name: 'p.a', type: 'string', isList: false, arg: 'none'}]}, {}),
  )
  t.deepEqual(u.generationChanges, [])
  t.is(u.changed.length, 1)
  t.false(u.honest)
  t.is(u.explanation, '1.0.0 → 1.0.1 is only a patch bump, but it changed p.a (uint64, arg legacy-optional → string, arg none): that needs a major bump')
})

test('a downgrade without changes reads as a sentence', (t) => {
  const f = [{name: 'p.a', type: 'uint64', isList: false, arg: 'none'}]
  const [u] = upgradeVerdicts(report({version: '1.2.0', fields: f}, {version: '1.1.9', fields: f}, {}))
  t.false(u.honest)
  t.is(u.explanation, '1.2.0 → 1.1.9 is a downgrade (no field changes): the replaying version must not be lower than the recorded one')
})

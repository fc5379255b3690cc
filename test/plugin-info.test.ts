// `scaptool plugin info` / `plugin fields`: every API generation is loaded and described, and
// plugins the framework would refuse are refused with the precise reason (exit 4).
import test from 'ava'

import {cli, plugin} from './helpers.js'

const GENERATIONS: Array<[string, string, string, string]> = [
  // library, name, required API, generation
  ['libdummy_seed.so', 'dummy_seed', '1.0.0', 'seed'],
  ['libdummy_api0_1.so', 'dummy_api0_1', '0.1.0', '0.1'],
  ['libdummy_api0_2.so', 'dummy_api0_2', '0.2.0', '0.2'],
  ['libdummy_api0_3.so', 'dummy_api0_3', '0.3.0', '0.3'],
  ['libdummy_c.so', 'dummy_c', '0.3.0', '0.3'],
  ['libdummy_api1.so', 'dummy_api1', '1.0.0', '1.x'],
  ['libdummy_api2.so', 'dummy_api2', '2.0.0', '2.x'],
  ['libdummy_api3.so', 'dummy_api3', '3.0.0', '3.x'],
  ['libdummy_api3_12.so', 'dummy_api3_12', '3.12.0', '3.x'],
  ['go/libdummy.so', 'dummy', '3.11.0', '3.x'],
  ['go/libdummy_sdk06.so', 'dummy_go_api2', '2.0.0', '2.x'],
  ['go/libdummy_sdk05.so', 'dummy_go_api1', '1.0.0', '1.x'],
  ['go/libdummy_sdk02.so', 'dummy_go_api0', '0.2.0', '0.2'],
]

for (const [lib, name, api, generation] of GENERATIONS) {
  test(`plugin info loads ${lib} (API ${api}, generation ${generation})`, async (t) => {
    const r = await cli(['plugin', 'info', '--json', plugin(lib)])
    t.is(r.status, 0, r.stdout + r.stderr)
    const x = JSON.parse(r.stdout)
    t.is(x.info.name, name)
    t.is(x.info.requiredApiVersion, api)
    t.is(x.info.generation, generation)
    t.true(x.info.capabilities.sourcing)
    t.true(x.info.capabilities.extraction)
    t.is(x.info.eventSource, 'dummy')
    t.deepEqual(
      x.info.fields.map((f: {name: string; type: string}) => `${f.name}:${f.type}`).sort(),
      ['dummy.divisible:uint64', 'dummy.strvalue:string', 'dummy.value:uint64'],
    )
    t.true(x.initialized, 'initialized with the default config')
  })
}

test('plugin info prints the fields table, capabilities and open params', async (t) => {
  const r = await cli(['plugin', 'info', plugin('go/libdummy.so')])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /plugin API\s+requires 3\.11\.0: generation 3\.x/)
  t.regex(r.stdout, /capabilities sourcing, extraction/)
  t.regex(r.stdout, /source\s+id 3, event source "dummy"/)
  t.regex(r.stdout, /dummy\.divisible\s+uint64\s+required index/)
  t.regex(r.stdout, /open params\s+\{"start": 1, "maxEvents": 20\}/)
  t.regex(r.stdout, /init schema\s+\{.*"jitter"/)
})

test('plugin fields lists name, type, argument, list and description', async (t) => {
  const r = await cli(['plugin', 'fields', plugin('libdummyx3_1_0_0.so')])
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /dummyx3\.digits\s+uint64\s+-\s+yes/)
  t.regex(r.stdout, /dummyx3\.repr\s+string\s+required key/)
  t.regex(r.stdout, /dummyx3\.mod\s+uint64\s+optional index/)
  const j = JSON.parse((await cli(['plugin', 'fields', '--json', plugin('libdummyx3_1_0_0.so')])).stdout)
  t.true(j.some((f: {name: string; type: string}) => f.name === 'dummyx3.net6' && f.type === 'ipnet'))
})

test('an extractor-only plugin of the 0.3 generation is described as an extractor', async (t) => {
  const x = JSON.parse((await cli(['plugin', 'info', '--json', plugin('libdummyx_api0_3.so')])).stdout)
  t.is(x.info.pluginType, 2)
  t.false(x.info.capabilities.sourcing)
  t.deepEqual(x.info.extractEventSources, ['dummy'])
})

const REJECTED: Array<[string, RegExp]> = [
  ['libbad_fields_garbage.so', /fields/i],
  ['libbad_fields_badtype.so', /float/],
  ['libbad_fields_badbool.so', /isList/],
]

for (const [lib, why] of REJECTED) {
  test(`plugin info refuses ${lib} with the reason and exit 4`, async (t) => {
    const r = await cli(['plugin', 'info', plugin(lib)])
    t.is(r.status, 4, r.stdout + r.stderr)
    t.regex(r.stderr, why)
    const j = JSON.parse((await cli(['plugin', 'info', '--json', plugin(lib)])).stdout)
    t.is(j.error.name, 'PluginError')
    t.regex(j.error.code, /^plugin_/)
  })
}

test('a plugin whose init fails is described, with its own error text, and exits 4', async (t) => {
  const r = await cli(['plugin', 'info', plugin('libbad_init_fail.so')])
  t.is(r.status, 4)
  t.regex(r.stdout, /init\s+FAILED: .*bad_init_fail: init refused on purpose/)
})

test('an init config that breaks the plugin\'s schema is refused before init, naming the path', async (t) => {
  const r = await cli(['plugin', 'info', '--json', plugin('go/libdummy.so'), '--init-config', '{"jitter": "ten"}'])
  t.is(r.status, 4)
  const x = JSON.parse(r.stdout)
  t.regex(x.initError.message, /jitter/)
})

test('a missing library is a plugin load error naming the file', async (t) => {
  const r = await cli(['plugin', 'info', '/nonexistent/libnope.so'])
  t.is(r.status, 4)
  t.regex(r.stderr, /\/nonexistent\/libnope\.so/)
})

for (const cmd of [['plugin', 'info'], ['plugin', 'fields']]) {
  test(`${cmd.join(' ')} --help shows examples and exit codes`, async (t) => {
    const r = await cli([...cmd, '--help'])
    t.is(r.status, 0)
    t.regex(r.stdout, /EXAMPLES/)
    t.regex(r.stdout, /EXIT CODES/)
  })
}

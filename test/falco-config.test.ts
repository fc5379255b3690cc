// Falco-style plugin configuration files (`-c falco.yaml`), as Falco and sysdig read them.
import test from 'ava'
import {spawnSync} from 'node:child_process'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {PluginError, UsageError, expandRulesPath, inspectPlugin, parseFalcoConfig, readFalcoConfig} from '../src/index.js'
import {cli, plugin, projectRoot, tempDir} from './helpers.js'
import {oracles} from './oracle.js'

test('plugins, init_config as string or mapping, open_params, and load_plugins order', (t) => {
  const dir = tempDir()
  mkdirSync(join(dir, 'libs'))
  writeFileSync(join(dir, 'libs', 'liba.so'), '')
  const yaml = [
    'plugins:',
    '  - name: a',
    '    library_path: libs/liba.so',
    "    init_config: '{\"jitter\": 10}'",
    "    open_params: '{\"start\": 1}'",
    '  - name: b',
    '    library_path: /abs/libb.so',
    '    init_config:',
    '      jitter: 3',
    '      nested: {x: [1, 2]}',
    '  - name: c',
    '    library_path: libc.so',
    'load_plugins: [b, a]',
  ].join('\n')
  const cfg = parseFalcoConfig(yaml, join(dir, 'falco.yaml'), {cwd: '/elsewhere', pluginsDir: join(dir, 'no-plugins-here')})
  t.deepEqual(cfg.plugins.map((p) => p.name), ['b', 'a'])
  t.is(cfg.plugins[0].initConfig, '{"jitter":3,"nested":{"x":[1,2]}}')
  // absolute paths are loaded as they are; `path` is what is loaded, `libraryPath` as written
  t.like(cfg.plugins[0], {path: '/abs/libb.so', libraryPath: '/abs/libb.so'})
  t.like(cfg.plugins[1], {path: join(dir, 'libs', 'liba.so'), libraryPath: 'libs/liba.so', openParams: '{"start": 1}'})
  // c is listed but not loaded: that its library is nowhere does not matter (as in Falco)
  t.deepEqual(cfg.rulesFiles, [])
  t.false(cfg.hasRulesFiles)
})

test("a relative library_path is looked for in Falco's plugins directory, beside the configuration, then in the working directory", (t) => {
  const dir = tempDir()
  const pluginsDir = join(dir, 'falco-plugins')
  const configDir = join(dir, 'etc')
  const cwd = join(dir, 'cwd')
  for (const d of [pluginsDir, configDir, cwd]) mkdirSync(d)
  const config = join(configDir, 'falco.yaml')
  const read = (library: string) => parseFalcoConfig(`plugins:\n  - {name: p, library_path: ${library}}\n`, config, {cwd, pluginsDir}).plugins[0].path
  for (const d of [cwd, configDir, pluginsDir]) writeFileSync(join(d, 'libp.so'), '')
  t.is(read('libp.so'), join(pluginsDir, 'libp.so'), 'where Falco loads it from comes first')
  rmSync(join(pluginsDir, 'libp.so'))
  t.is(read('libp.so'), join(configDir, 'libp.so'))
  rmSync(join(configDir, 'libp.so'))
  t.is(read('libp.so'), join(cwd, 'libp.so'))
  // a path that climbs out of the plugins directory is not looked for there (Falco refuses it)
  writeFileSync(join(dir, 'libq.so'), '')
  t.is(read('../libq.so'), join(dir, 'libq.so'))
  const err = t.throws(() => read('libmissing.so'), {instanceOf: PluginError})
  t.is(err.code, 'plugin_load')
  t.is(err.plugin, 'p')
  t.is(err.message, `plugin 'p' (${config} plugins[0]): library_path 'libmissing.so' not found; tried ${join(pluginsDir, 'libmissing.so')}, ${join(configDir, 'libmissing.so')}, ${join(cwd, 'libmissing.so')}`)
})

test("rules_files as Falco reads them: from the working directory, directories as their .yaml/.yml files, missing entries skipped", (t) => {
  const dir = tempDir()
  const cwd = join(dir, 'cwd')
  const configDir = join(dir, 'etc')
  mkdirSync(join(cwd, 'rules.d'), {recursive: true})
  mkdirSync(configDir)
  for (const f of ['rules.d/b.yaml', 'rules.d/a.yml', 'rules.d/notes.txt', 'main.yaml']) writeFileSync(join(cwd, f), '[]\n')
  writeFileSync(join(configDir, 'local.yaml'), '[]\n')
  mkdirSync(join(cwd, 'rules.d', 'sub.yaml'))
  const config = join(configDir, 'falco.yaml')
  const cfg = parseFalcoConfig('rules_files: [main.yaml, rules.d, local.yaml, gone.yaml]\n', config, {cwd})
  t.true(cfg.hasRulesFiles)
  // a directory: its regular *.yaml/*.yml files in name order; local.yaml: beside the config
  t.deepEqual(cfg.rulesFiles, [join(cwd, 'main.yaml'), join(cwd, 'rules.d', 'a.yml'), join(cwd, 'rules.d', 'b.yaml'), join(configDir, 'local.yaml')])
  t.deepEqual(cfg.warnings, [`${config}: rules_files entry 'gone.yaml' does not exist: skipped (as Falco)`])
  t.deepEqual(cfg.plugins, [], 'a configuration without plugins: is valid (its rules may use -p plugins)')
  const single = parseFalcoConfig('rules_file: main.yaml\n', config, {cwd})
  t.deepEqual(single.rulesFiles, [join(cwd, 'main.yaml')])
  t.regex(single.warnings[0], /'rules_file' is deprecated/)
  t.throws(() => parseFalcoConfig('rules_files: [a.yaml]\nrules_file: [b.yaml]\n', config, {cwd}), {instanceOf: UsageError, message: /both 'rules_files' and 'rules_file' keys set/})
  t.deepEqual(expandRulesPath(join(cwd, 'rules.d', 'notes.txt')), [], 'Falco loads only .yaml/.yml files')
})

test('configuration errors name the file and what is wrong', (t) => {
  const bad = (yaml: string, message: RegExp) => {
    const err = t.throws(() => parseFalcoConfig(yaml, 'falco.yaml'), {instanceOf: UsageError})
    t.regex(err.message, message)
  }
  bad('plugins: [\n  - name: a\n', /^falco\.yaml:\d+:\d+: invalid YAML/)
  bad('load_plugins: [a]\n', /falco\.yaml: load_plugins names "a", which is not in plugins:/)
  bad('plugins: {a: 1}\n', /falco\.yaml: plugins: must be a list/)
  bad('plugins:\n  - library_path: x.so\n', /plugins\[0\]\.name must be a non-empty string/)
  bad('plugins:\n  - name: a\n', /plugins\[0\]\.library_path must be a non-empty string/)
  bad('plugins:\n  - {name: a, library_path: x.so}\n  - {name: a, library_path: y.so}\n', /plugin name "a" appears twice/)
  bad('plugins:\n  - {name: a, library_path: x.so}\nload_plugins: [b]\n', /load_plugins names "b", which is not in plugins:/)
  bad('plugins:\n  - {name: a, library_path: x.so, init_config: [1]}\n', /init_config must be a string or a mapping/)
})

test('a missing configuration file is an I/O error naming it', (t) => {
  const err = t.throws(() => readFalcoConfig('/nonexistent/falco.yaml'))
  t.regex(err.message, /^\/nonexistent\/falco\.yaml: /)
  t.is((err as {code?: string}).code, 'ENOENT')
})

const CAPTURE = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
const RULES = join(projectRoot, 'fixtures', 'rules', 'dummy_rules.yaml')

/** A falco.yaml loading `libs` (fixture plugin files) by their plugin names, plus `extra`. */
async function falcoYaml(dir: string, libs: string[], extra = ''): Promise<string> {
  const names = await Promise.all(libs.map(async (lib) => (await inspectPlugin(plugin(lib))).info.name))
  const file = join(dir, `falco-${Math.random().toString(36).slice(2)}.yaml`)
  const entries = libs.map((lib, i) => `  - {name: ${names[i]}, library_path: ${plugin(lib)}}`)
  writeFileSync(file, ['plugins:', ...entries, `load_plugins: [${names.join(', ')}]`, extra].join('\n'))
  return file
}

test('replay without -r runs the rules_files of the -c configuration, as falco -c does; --no-rules compares golden values', async (t) => {
  const dir = tempDir()
  const plain = await falcoYaml(dir, ['libdummy_c.so'])
  const withRules = await falcoYaml(dir, ['libdummy_c.so'], `rules_files: [${RULES}]`)
  const explicit = await cli(['replay', CAPTURE, '-c', plain, '-r', RULES])
  t.is(explicit.status, 0, explicit.stderr)
  const fromConfig = await cli(['replay', CAPTURE, '-c', withRules])
  t.is(fromConfig.status, 0, fromConfig.stderr)
  t.is(fromConfig.stdout, explicit.stdout)
  t.regex(fromConfig.stdout, /^Events detected: 3$/m)
  // -r replaces the configuration's rules, as Falco's -r does
  const other = join(dir, 'other.yaml')
  writeFileSync(other, '- rule: Every event\n  desc: d\n  condition: evt.num > 0\n  output: n=%evt.num\n  priority: INFO\n  source: dummy\n')
  const overridden = await cli(['replay', CAPTURE, '-c', withRules, '-r', other])
  t.regex(overridden.stdout, /^Events detected: 20$/m)
  // golden-only flags with the configuration's rules: say how to get the golden comparison
  const mixed = await cli(['replay', CAPTURE, '-c', withRules, '--update'])
  t.is(mixed.status, 2)
  t.regex(mixed.stderr, /the rules_files of \S+ run rules, not golden values: --update cannot be combined with it \(add --no-rules for the golden comparison\)/)
  const golden = await cli(['replay', CAPTURE, '-c', withRules, '--no-rules', '--golden', join(dir, 'x.golden'), '--update', '--json'])
  t.is(golden.status, 0, golden.stderr)
  t.is(JSON.parse(golden.stdout).updated, join(dir, 'x.golden'))
  // entries that do not exist are skipped with a warning; none left is a usage error
  const gone = await falcoYaml(dir, ['libdummy_c.so'], 'rules_files: [/nonexistent/rules.yaml]')
  const none = await cli(['replay', CAPTURE, '-c', gone])
  t.is(none.status, 2)
  t.regex(none.stderr, /warning: \S+: rules_files entry '\/nonexistent\/rules\.yaml' does not exist: skipped \(as Falco\)/)
})

test('a library_path found nowhere is a plugin failure listing every path tried', async (t) => {
  const dir = tempDir()
  const config = join(dir, 'falco.yaml')
  writeFileSync(config, 'plugins:\n  - {name: dummy, library_path: libnowhere.so}\n')
  const r = await cli(['replay', CAPTURE, '-c', config], {cwd: dir})
  t.is(r.status, 4)
  t.is(r.stderr, `error: plugin 'dummy' (${config} plugins[0]): library_path 'libnowhere.so' not found; tried /usr/share/falco/plugins/libnowhere.so, ${join(dir, 'libnowhere.so')}\n`)
})

/** The plugin field classes of `falco --list -c config` (the oracle's), in its own text. */
function falcoListPlugins(config: string): string {
  const r = spawnSync(oracles().falco, ['--list', '-c', config], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`falco --list -c ${config} exited ${r.status}: ${r.stderr}`)
  const blocks = r.stdout.split(/^(?=-{31}\n)/m)
  return blocks.filter((b) => /^-{31}\nField Class: +\S+ \(plugin\)\n/.test(b)).join('')
}

for (const libs of [
  ['libdummy_api3.so', 'libdummyx3_1_0_0.so'],
  ['libdummyx3_1_1_0.so', 'libpayloadx3.so', 'libdummy_api3_12.so'],
  ['go/libdummy.so', 'go/libauditlike.so'],
  ['cpp-sdk/libplugin_source.so', 'cpp-sdk/libplugin_extract.so'],
  ['rust/libdummy_rs.so'],
]) {
  test(`replay --list-fields prints the plugins' field classes as falco --list: ${libs.join(', ')}`, async (t) => {
    const config = await falcoYaml(tempDir(), libs)
    const r = await cli(['replay', '--list-fields', '-c', config])
    t.is(r.status, 0, r.stderr)
    t.is(r.stdout, falcoListPlugins(config))
  })
}

test('replay --list-fields with -p, as JSON, and without plugins', async (t) => {
  const r = await cli(['replay', '--list-fields', '-p', plugin('libdummy_api3.so'), '--json'])
  t.is(r.status, 0, r.stderr)
  const [p] = JSON.parse(r.stdout) as Array<{plugin: string; fields: Array<{name: string}>}>
  t.is(p.plugin, 'dummy_api3')
  t.deepEqual(p.fields.map((f) => f.name), ['dummy.divisible', 'dummy.value', 'dummy.strvalue'])
  const none = await cli(['replay', '--list-fields'])
  t.is(none.status, 2)
  t.regex(none.stderr, /--list-fields lists the fields of the loaded plugins/)
  const noCapture = await cli(['replay', '-p', plugin('libdummy_api3.so')])
  t.is(noCapture.status, 2)
  t.regex(noCapture.stderr, /missing the capture to replay/)
})

// Falco-style plugin configuration files (`-c falco.yaml`), as Falco and sysdig read them.
import test from 'ava'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {UsageError, parseFalcoConfig, readFalcoConfig} from '../src/index.js'
import {tempDir} from './helpers.js'

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
  const cfg = parseFalcoConfig(yaml, join(dir, 'falco.yaml'), '/elsewhere')
  t.deepEqual(cfg.plugins.map((p) => p.name), ['b', 'a'])
  t.is(cfg.plugins[0].initConfig, '{"jitter":3,"nested":{"x":[1,2]}}')
  t.is(cfg.plugins[0].libraryPath, '/abs/libb.so')
  // Relative paths: beside the config file first (it exists there), else the working directory.
  t.is(cfg.plugins[1].libraryPath, join(dir, 'libs', 'liba.so'))
  t.is(cfg.plugins[1].openParams, '{"start": 1}')
  const all = parseFalcoConfig(yaml.replace('load_plugins: [b, a]', 'load_plugins: []'), join(dir, 'falco.yaml'), '/elsewhere')
  t.deepEqual(all.plugins.map((p) => p.name), ['a', 'b', 'c'], 'an empty load_plugins loads every plugin')
  t.is(all.plugins[2].libraryPath, '/elsewhere/libc.so')
})

test('configuration errors name the file and what is wrong', (t) => {
  const bad = (yaml: string, message: RegExp) => {
    const err = t.throws(() => parseFalcoConfig(yaml, 'falco.yaml'), {instanceOf: UsageError})
    t.regex(err.message, message)
  }
  bad('plugins: [\n  - name: a\n', /^falco\.yaml:\d+:\d+: invalid YAML/)
  bad('load_plugins: [a]\n', /falco\.yaml: no `plugins:` list/)
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

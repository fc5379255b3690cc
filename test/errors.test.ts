// Exit codes and messages: every error class maps to its documented code, with the loader's,
// the file's or the line's own words.
import test from 'ava'
import {copyFileSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, run, tempDir} from './helpers.js'

test("a library that does not load carries dlopen's own reason (exit 4)", async (t) => {
  const dir = tempDir()
  const junk = join(dir, 'junk.so')
  writeFileSync(junk, 'not an ELF file')
  const r = await cli(['plugin', 'info', junk])
  t.is(r.status, 4)
  t.regex(r.stderr, /cannot load plugin .*junk\.so: .*junk\.so: (file too short|invalid ELF header)/)
  const undef = join(dir, 'undef.so')
  run('gcc', ['-shared', '-fPIC', '-o', undef, '-x', 'c', '-', '-Wl,--unresolved-symbols=ignore-all'], {input: 'extern int nope(void); int f(void){return nope();}\n'})
  const u = await cli(['plugin', 'info', undef])
  t.is(u.status, 4)
  t.regex(u.stderr, /undefined symbol: nope/)
})

test('a golden file with bytes that are not UTF-8 is refused with its line (exit 3)', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'x.scap')
  t.is((await cli(['record', '-p', plugin('libdummy_api3.so'), '-o', cap])).status, 0)
  const lines = readFileSync(`${cap}.golden`)
  const damaged = Buffer.from(lines.toString('latin1').replace(/\n(3\t[^\n]*)"/, '\n$1\xff'), 'latin1')
  writeFileSync(`${cap}.golden`, damaged)
  const r = await cli(['replay', cap, '-p', plugin('libdummy_api3.so')])
  t.is(r.status, 3, r.stdout)
  t.regex(r.stderr, /x\.scap\.golden: line 6: not UTF-8 text/)
})

test('system errors are I/O errors (exit 5): a directory, a path through a file, a missing file', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'x.scap')
  copyFileSync(join(process.cwd(), 'fixtures', 'captures', 'dummy_c-sysdig.scap'), cap)
  const notDir = await cli(['convert', cap, join(cap, 'out.scap')])
  t.is(notDir.status, 5, notDir.stderr)
  const missing = await cli(['info', join(dir, 'nope.scap')])
  t.is(missing.status, 5)
  const isDir = await cli(['convert', cap, dir])
  t.is(isDir.status, 2, 'a directory is not a file name: usage')
  t.regex(isDir.stderr, /is a directory/)
})

test('a YAML alias bomb in a -c configuration is a usage error naming the file (exit 2)', async (t) => {
  const dir = tempDir()
  const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
    const prev = 'abcdefgh'[i]
    levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
  }
  levels.push('plugins: *i')
  const config = join(dir, 'bomb.yaml')
  writeFileSync(config, levels.join('\n') + '\n')
  const r = await cli(['print', join(process.cwd(), 'fixtures', 'captures', 'dummy_c-sysdig.scap'), '-c', config])
  t.is(r.status, 2, r.stdout)
  t.regex(r.stderr, /bomb\.yaml: invalid YAML: Excessive alias count/)
})

// Keeping golden files small: --exclude-field (names, name[arg], globs) leaves whole-payload
// fields out, --field globs name fields, and .zst golden files compress them (library-api test).
import test from 'ava'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, plugin, tempDir} from './helpers.js'

const AUDIT = plugin('go/libauditlike.so')

function columns(golden: string): string[] {
  return readFileSync(golden, 'utf8').split('\n').find((l) => l.startsWith('#columns'))!.split('\t').slice(4)
}

test('--exclude-field leaves fields out of the golden file; the replay proves the others', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'a.scap')
  const all = join(dir, 'all.scap')
  t.is((await cli(['record', '-p', AUDIT, '--init-config', '{"seed": 5}', '--open-params', '{"maxEvents": 200}', '-o', all])).status, 0)
  const r = await cli(['record', '-p', AUDIT, '--init-config', '{"seed": 5}', '--open-params', '{"maxEvents": 200}', '-o', cap, '--exclude-field', 'json.obj', '--exclude-field', 'ka.req.*'])
  t.is(r.status, 0, r.stderr)
  const kept = columns(`${cap}.golden`)
  t.false(kept.includes('json.obj'))
  t.false(kept.some((c) => c.startsWith('ka.req.')))
  t.deepEqual(kept, columns(`${all}.golden`).filter((c) => c !== 'json.obj' && !c.startsWith('ka.req.')))
  t.true(readFileSync(`${cap}.golden`).length * 3 < readFileSync(`${all}.golden`).length, 'the whole payload was most of the file')
  const j = JSON.parse((await cli(['replay', cap, '-p', AUDIT, '--json'])).stdout)
  t.true(j.passed)
  t.deepEqual(j.columns.map((c: {column: string}) => c.column), kept)
})

test('--field globs add matching fields; a glob that matches nothing is a usage error', async (t) => {
  const dir = tempDir()
  const cap = join(dir, 'g.scap')
  const r = await cli(['record', '-p', AUDIT, '--open-params', '{"maxEvents": 20}', '-o', cap, '--exclude-field', '*', '--field', 'ka.target.*', '--json'])
  t.is(r.status, 0, r.stderr)
  // every field excluded, then globs: exclusions win (the glob names what may be recorded)
  t.deepEqual(JSON.parse(r.stdout).columns, [])
  const bad = await cli(['record', '-p', AUDIT, '--open-params', '{"maxEvents": 20}', '-o', join(dir, 'b.scap'), '--field', 'nope.*'])
  t.is(bad.status, 2)
  t.regex(bad.stderr, /--field 'nope\.\*': no field of a loaded plugin matches/)
})

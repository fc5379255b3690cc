// scaptool as npm users get it: `npm run package` makes the two tarballs (the JavaScript package
// and the platform package with the stripped addon and the bundled plugin, napi-rs's layout);
// they are installed offline into a fresh project, a strict TypeScript consumer is type-checked
// against the published declarations with skipLibCheck: false, and `npx scaptool demo` runs
// the main job with the bundled plugin. Offline: the project's other dependencies come from
// the npm cache, at the versions of this checkout's package-lock.json (what `npm ci` fetched).
import test from 'ava'
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {plain, projectRoot, tempDir} from './helpers.js'

interface LockEntry {
  version: string
  resolved?: string
  integrity?: string
  dev?: boolean
  devOptional?: boolean
  link?: boolean
  name?: string
  [key: string]: unknown
}

const OUT = tempDir('scaptool-package-')
const CONSUMER = join(OUT, 'consumer')

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(cmd, args, {cwd, encoding: 'utf8', env: {...process.env, ...env}, maxBuffer: 64 << 20})
}

function packageJsonOf(tgz: string): Record<string, unknown> {
  return JSON.parse(execFileSync('tar', ['xzOf', tgz, 'package/package.json'], {encoding: 'utf8'})) as Record<string, unknown>
}

function filesOf(tgz: string): string[] {
  return execFileSync('tar', ['tzf', tgz], {encoding: 'utf8'}).trim().split('\n').map((f) => f.replace(/^package\//, ''))
}

/**
 * A fresh project depending on the scaptool tarball, with a lockfile that pins the tarballs
 * and, for everything else, this checkout's locked versions with their registry URLs, so that
 * `npm ci --offline` installs from the npm cache alone. @types/node is there for the consumer.
 */
function consumerProject(main: string, platform: string): void {
  const repoLock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as {packages: Record<string, LockEntry>}
  const registry = execFileSync('npm', ['config', 'get', 'registry'], {encoding: 'utf8'}).trim().replace(/\/$/, '')
  // lockfiles written with omit-lockfile-registry-resolved carry no URL: the registry's tarball URL
  const located = (key: string, e: LockEntry): LockEntry => {
    if (e.resolved) return e
    const name = e.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length)
    return {...e, resolved: `${registry}/${name}/-/${name.split('/').pop()}-${e.version}.tgz`}
  }
  const integrity = (f: string) => `sha512-${createHash('sha512').update(readFileSync(f)).digest('base64')}`
  const m = packageJsonOf(main)
  const p = packageJsonOf(platform)
  const typesNode = repoLock.packages['node_modules/@types/node'].version
  const root = {name: 'consumer', version: '1.0.0', dependencies: {scaptool: `file:../${main.split('/').pop()}`}, devDependencies: {'@types/node': typesNode}}
  const packages: Record<string, unknown> = {
    '': root,
    'node_modules/scaptool': {version: m.version, resolved: root.dependencies.scaptool, integrity: integrity(main), license: m.license, dependencies: m.dependencies, optionalDependencies: m.optionalDependencies, bin: m.bin, engines: m.engines},
    'node_modules/scaptool-linux-x64-gnu': {version: p.version, resolved: `file:../${platform.split('/').pop()}`, integrity: integrity(platform), cpu: p.cpu, os: p.os, libc: p.libc, license: p.license, optional: true},
  }
  for (const [key, e] of Object.entries(repoLock.packages)) {
    if (key.startsWith('node_modules/') && !e.dev && !e.devOptional && !e.link) packages[key] = located(key, e)
  }
  for (const key of ['node_modules/@types/node', 'node_modules/undici-types']) packages[key] = located(key, repoLock.packages[key])
  writeFileSync(join(CONSUMER, 'package.json'), JSON.stringify({...root, private: true, type: 'module'}, null, 2))
  writeFileSync(join(CONSUMER, 'package-lock.json'), JSON.stringify({name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages}, null, 2))
}

/** A strict consumer of the library's types: every line relies on a declared type, and the
 * lines that expect a type error fail the compile if a type silently became `any`. */
const CONSUMER_TS = `import {
  openCapture, summarizeCapture, readFalcoConfig, record, replay, runRules, toJson, bundledPlugin,
  ScapError, PluginError, UsageError,
  type CaptureSummary, type ReplayResult, type RecordSummary, type PluginRun, type FalcoPluginConfig,
} from 'scaptool'

export async function main(capture: string): Promise<string> {
  const s: CaptureSummary = await summarizeCapture(capture)
  const events: number = s.events
  const complete: boolean = s.complete
  const duration: bigint | undefined = s.timeRange?.durationNs
  const firstSection: number = s.sections[0].offset
  // @ts-expect-error events is a number
  const wrongEvents: string = s.events
  // @ts-expect-error timeRange may be null
  const wrongRange: string = s.timeRange.first
  // @ts-expect-error the error is a ScapError, not a string
  const wrongError: string | undefined = s.error
  for await (const batch of openCapture(capture).batches()) batch.forEach((ev) => void ev.ts.toString(16))
  const config: FalcoPluginConfig = readFalcoConfig('falco.yaml')
  const runs: PluginRun[] = config.plugins
  const recorded: RecordSummary = await record({config, output: 'x.scap', maxEvents: 10})
  const result: ReplayResult = await replay({capture: 'x.scap', plugins: runs, shuffleSeed: 1})
  // @ts-expect-error passed is a boolean
  const wrongPassed: number = result.passed
  await runRules({capture, config})
  const plugin: string = bundledPlugin()
  const typed = [new ScapError({code: 'IO', message: 'm', offset: 0}, 'f'), new PluginError('m', 'p', 'c'), new UsageError('m')]
  return toJson({events, complete, duration, firstSection, wrongEvents, wrongRange, wrongError, recorded, wrongPassed, plugin, typed})
}
`

let packed: {main: string; platform: string} | undefined
let installed: ReturnType<typeof sh> | undefined

test.serial('npm run package makes both tarballs: a stripped addon under 15 MB, no bench scripts, no source maps', async (t) => {
  const r = sh(process.execPath, [join(projectRoot, 'dist', 'scripts', 'package.js'), '--out', OUT], projectRoot)
  t.is(r.status, 0, r.stderr)
  packed = JSON.parse(r.stdout) as {main: string; platform: string}
  const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {version: string}).version
  t.is(packed.main, join(OUT, `scaptool-${version}.tgz`))
  t.is(packed.platform, join(OUT, `scaptool-linux-x64-gnu-${version}.tgz`))

  const platformFiles = filesOf(packed.platform).sort()
  t.deepEqual(platformFiles, ['README.md', 'package.json', 'plugins/libdummy_api3.so', 'scaptool.linux-x64-gnu.node'])
  const addon = join(projectRoot, 'npm', 'linux-x64-gnu', 'scaptool.linux-x64-gnu.node')
  t.true(statSync(addon).size <= 15 << 20, `addon is ${statSync(addon).size} bytes`)
  t.notRegex(execFileSync('readelf', ['-S', '-W', addon], {encoding: 'utf8'}), /\.debug_info/, 'debug information stripped')
  t.like(packageJsonOf(packed.platform), {name: 'scaptool-linux-x64-gnu', version, os: ['linux'], cpu: ['x64'], libc: ['glibc'], main: 'scaptool.linux-x64-gnu.node', license: 'Apache-2.0'})

  const files = filesOf(packed.main)
  for (const f of ['LICENSE', 'README.md', 'package.json', 'oclif.manifest.json', 'bin/run.js', 'bin/package.json', 'dist/cli.cjs', 'native/node/binding.cjs', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/commands/print.js', 'dist/commands/plugin/info.js']) t.true(files.includes(f), `${f} is packed`)
  t.deepEqual(files.filter((f) => f.endsWith('.map') || f.startsWith('dist/scripts/') || f.endsWith('.node') || f.startsWith('src/') || f === 'dist/src/native.d.ts'), [])
  const pkg = packageJsonOf(packed.main)
  t.like(pkg, {name: 'scaptool', version, license: 'Apache-2.0', optionalDependencies: {'scaptool-linux-x64-gnu': version}})
  t.deepEqual(pkg.exports, {'.': {types: './dist/src/index.d.ts', import: './dist/src/index.js', default: './dist/src/index.js'}, './package.json': './package.json'})
  t.truthy((pkg.repository as {url?: string}).url)
  t.true((pkg.keywords as string[]).includes('falco'))
  t.false('zstd-napi' in (pkg.dependencies as object), 'zstd-napi is a dev dependency')
  t.is(pkg.devDependencies, undefined)
  t.regex(execFileSync('tar', ['xzOf', packed.main, 'package/LICENSE'], {encoding: 'utf8'}), /Apache License\s+Version 2\.0, January 2004/)
  // oclif's manifest: the commands and their flags, so that oclif need not load them to list them
  const manifest = JSON.parse(execFileSync('tar', ['xzOf', packed.main, 'package/oclif.manifest.json'], {encoding: 'utf8'})) as {version: string; commands: Record<string, {flags: Record<string, unknown>}>}
  t.is(manifest.version, version)
  t.deepEqual(Object.keys(manifest.commands).sort(), ['convert', 'demo', 'diff', 'info', 'merge', 'plugin:fields', 'plugin:info', 'print', 'record', 'replay'])
  t.truthy(manifest.commands.replay.flags['list-fields'])
})

test.serial('installed offline from the tarballs into a fresh project, without building anything', (t) => {
  t.truthy(packed)
  execFileSync('mkdir', ['-p', CONSUMER])
  consumerProject(packed!.main, packed!.platform)
  installed = sh('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], CONSUMER)
  t.is(installed.status, 0, installed.stderr)
  const modules = execFileSync('ls', [join(CONSUMER, 'node_modules')], {encoding: 'utf8'}).split('\n')
  t.true(modules.includes('scaptool-linux-x64-gnu'))
  t.false(modules.includes('zstd-napi'), 'no native dependency to compile')
})

test.serial('a strict TypeScript consumer type-checks against the published declarations (skipLibCheck: false)', (t) => {
  t.is(installed?.status, 0)
  writeFileSync(join(CONSUMER, 'consumer.ts'), CONSUMER_TS)
  writeFileSync(
    join(CONSUMER, 'tsconfig.json'),
    JSON.stringify({compilerOptions: {target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node']}, include: ['consumer.ts']}),
  )
  const tsc = sh(process.execPath, [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], CONSUMER)
  t.is(tsc.status, 0, tsc.stdout + tsc.stderr)
})

test.serial('npx scaptool demo runs the main job with the bundled plugin; help, typos and the library work from the install', (t) => {
  t.is(installed?.status, 0)
  const demo = sh('npx', ['--offline', 'scaptool', 'demo', '--dir', join(OUT, 'demo'), '--json'], CONSUMER)
  t.is(demo.status, 0, demo.stderr)
  const out = JSON.parse(demo.stdout) as {plugin: string; record: {events: number; columns: string[]}; replay: {passed: boolean; events: number}}
  t.is(out.plugin, join(CONSUMER, 'node_modules', 'scaptool-linux-x64-gnu', 'plugins', 'libdummy_api3.so'))
  t.is(out.record.events, 1000)
  t.deepEqual(out.record.columns, ['dummy.value', 'dummy.strvalue', 'dummy.divisible[3]'])
  t.true(out.replay.passed)
  t.is(out.replay.events, 1000)
  const text = sh('npx', ['--offline', 'scaptool', 'demo', '--events', '200'], CONSUMER)
  t.is(text.status, 0, text.stderr)
  t.regex(text.stdout, /^PASS$/m)

  // a plain print (the direct path: the bundled dist/cli.cjs, the addon from the platform
  // package) prints what the same command line through oclif prints
  const capture = join(OUT, 'demo', 'dummy.scap')
  const direct = sh('npx', ['--offline', 'scaptool', 'print', capture, 'evt.num', '<', '4'], CONSUMER)
  const viaOclif = sh('npx', ['--offline', 'scaptool', 'print', '--timezone', 'UTC', capture, 'evt.num', '<', '4'], CONSUMER)
  t.is(direct.status, 0, direct.stderr)
  t.is(direct.stdout.split('\n').length, 4, direct.stdout)
  t.is(direct.stdout, viaOclif.stdout)

  const help = sh('npx', ['--offline', 'scaptool', 'help', 'replay'], CONSUMER)
  t.is(help.status, 0, help.stderr)
  t.regex(help.stdout, /--list-fields/)
  const typo = sh('npx', ['--offline', 'scaptool', 'recrod'], CONSUMER)
  t.is(typo.status, 127)
  t.regex(plain(typo.stderr), /recrod is not a scaptool command/)

  const library = sh(process.execPath, ['--input-type=module', '-e', `import {summarizeCapture, toJson} from 'scaptool'; const s = await summarizeCapture(${JSON.stringify(join(OUT, 'demo', 'dummy.scap'))}); console.log(toJson({events: s.events, complete: s.complete}, 0))`], CONSUMER)
  t.is(library.stdout.trim(), '{"events":1000,"complete":true}', library.stderr)
})

test.serial('on another platform, loading scaptool fails with an error that names the platform', (t) => {
  t.is(installed?.status, 0)
  const load = (override: string) => sh(process.execPath, ['--input-type=module', '-e', `${override}; try { await import('scaptool') } catch (e) { console.log(e.message) }`], CONSUMER)
  t.regex(load("Object.defineProperty(process, 'platform', {value: 'darwin'})").stdout, /^scaptool has no native addon for darwin-x64: prebuilt addons exist for linux-x64-gnu only/)
  t.regex(load("Object.defineProperty(process, 'arch', {value: 'arm64'})").stdout, /^scaptool has no native addon for linux-arm64-gnu/)
})

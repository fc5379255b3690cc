// `npm run package [-- --out DIR]`: the two npm tarballs, as napi-rs projects publish them.
//
//   scaptool-<version>.tgz                 the JavaScript package: CLI, library, types, oclif
//                                          manifest; the addon is an optional dependency
//   scaptool-linux-x64-gnu-<version>.tgz   the platform package (npm/linux-x64-gnu): the addon,
//                                          stripped of debug information, and the bundled
//                                          dummy plugin that `scaptool demo` runs
//
// What napi's `pre-publish` does in place (the optional dependency on the platform package) is
// done on a staged copy under DIR, so the checkout never changes. Needs `npm run build` first.
// Prints {"main": tgz, "platform": tgz} (absolute paths).
import {execFileSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeOclifManifest} from './oclif-manifest.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const PLATFORM = 'linux-x64-gnu'
const ADDON = `scaptool.${PLATFORM}.node`
const BUNDLED_PLUGIN = 'libdummy_api3.so'

interface PackageJson {
  name: string
  version: string
  [key: string]: unknown
}

function readJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson
}

function need(file: string, build: string): string {
  const path = join(root, file)
  if (!existsSync(path)) throw new Error(`${file} is missing: run ${build} first`)
  return path
}

/** `npm pack` of a directory into `out`; returns the tarball's absolute path. */
function pack(dir: string, out: string): string {
  const json = execFileSync('npm', ['pack', dir, '--pack-destination', out, '--json', '--ignore-scripts'], {cwd: root, encoding: 'utf8'})
  const [result] = JSON.parse(json) as Array<{filename: string}>
  return join(out, result.filename)
}

/** The platform package: the addon and the bundled plugin, both stripped of debug info. */
function preparePlatform(version: string): string {
  const dir = join(root, 'npm', PLATFORM)
  const pkg = readJson(join(dir, 'package.json'))
  if (pkg.version !== version) throw new Error(`npm/${PLATFORM}/package.json has version ${pkg.version}, scaptool ${version}: run npx napi version`)
  mkdirSync(join(dir, 'plugins'), {recursive: true})
  // debug info is most of the addon's 40 MB; the symbols stay for readable crash backtraces
  execFileSync('strip', ['--strip-debug', '-o', join(dir, ADDON), need(`native/node/${ADDON}`, 'npm run build:native')])
  execFileSync('strip', ['--strip-debug', '-o', join(dir, 'plugins', BUNDLED_PLUGIN), need(`fixtures/plugins/build/${BUNDLED_PLUGIN}`, 'npm run build:fixtures')])
  return dir
}

/** The JavaScript package staged under `out`: the packed files, the manifest, and a
 * package.json that depends on the platform package. */
async function stageMain(out: string, version: string): Promise<string> {
  need('dist/src/index.js', 'npm run build:ts')
  need('native/node/binding.cjs', 'npm run build:native')
  const stage = join(out, 'stage', 'scaptool')
  rmSync(stage, {recursive: true, force: true})
  // the files npm would pack from the checkout (package.json `files`)
  const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: root, encoding: 'utf8'})) as Array<{files: Array<{path: string}>}>
  for (const {path} of listing[0].files) {
    mkdirSync(dirname(join(stage, path)), {recursive: true})
    copyFileSync(join(root, path), join(stage, path))
  }
  const pkg = readJson(join(root, 'package.json'))
  for (const key of ['scripts', 'devDependencies', 'ava', 'allowScripts']) delete pkg[key]
  pkg.optionalDependencies = {[`scaptool-${PLATFORM}`]: version}
  writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
  // oclif's manifest, made afresh: commands listed without loading them
  await writeOclifManifest(root, join(stage, 'oclif.manifest.json'))
  return stage
}

const outFlag = process.argv.indexOf('--out')
const out = resolve(outFlag >= 0 ? process.argv[outFlag + 1] : join(root, '.package'))
mkdirSync(out, {recursive: true})
const {version} = readJson(join(root, 'package.json'))
const platform = pack(preparePlatform(version), out)
const main = pack(await stageMain(out, version), out)
process.stdout.write(JSON.stringify({main, platform}) + '\n')

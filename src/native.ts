// The generated napi loader, kept private: everything else imports the typed wrappers in
// src/capture and src/index.ts, never the binding itself. The loader takes the addon beside it
// (a checkout's build) or from the platform package (`scaptool-linux-x64-gnu`, an optional
// dependency, as napi-rs projects ship their addons).
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type * as Binding from '../native/node/binding.cjs'

/** The platforms a prebuilt addon is published for (napi-rs names). */
export const PREBUILT_PLATFORMS = ['linux-x64-gnu']

/** The package root: the nearest directory above this file holding native/node/binding.cjs
 * (this file runs from src/ under tsx and from dist/src/ once compiled). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'native', 'node', 'binding.cjs'))) return dir
    dir = dirname(dir)
  }
  throw new Error(
    'scaptool native binding not found (native/node/binding.cjs): run `npm run build:native` first',
  )
}

/** This machine as napi-rs names platforms: `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`. */
export function platformName(): string {
  const base = `${process.platform}-${process.arch}`
  if (process.platform !== 'linux') return base
  const report = process.report?.getReport() as {header?: {glibcVersionRuntime?: string}} | undefined
  return `${base}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`
}

/** A checkout's own build for this machine, loaded without the generated loader: the loader
 * costs about 2 ms of every run (it reads /usr/bin/ldd to tell glibc from musl). Anything else
 * (a package install, another platform, an addon that does not load here) goes through it. */
function localBuild(require: NodeJS.Require): typeof Binding | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined
  const file = join(root, 'native', 'node', 'scaptool.linux-x64-gnu.node')
  if (!existsSync(file)) return undefined
  try {
    return require(file) as typeof Binding
  } catch {
    return undefined
  }
}

function loadBinding(): typeof Binding {
  const require = createRequire(import.meta.url)
  const local = localBuild(require)
  if (local) return local
  try {
    return require(join(root, 'native', 'node', 'binding.cjs')) as typeof Binding
  } catch (err) {
    const platform = platformName()
    const message = PREBUILT_PLATFORMS.includes(platform)
      ? `scaptool's native addon did not load on ${platform}: the optional dependency scaptool-${platform} is missing or broken (reinstall with optional dependencies: npm install --include=optional scaptool)`
      : `scaptool has no native addon for ${platform}: prebuilt addons exist for ${PREBUILT_PLATFORMS.join(', ')} only; build scaptool from its source on this machine (bash scripts/setup.sh in a checkout)`
    throw new Error(message, {cause: err})
  }
}

export const root = packageRoot()

export const native: typeof Binding = loadBinding()

export type {Binding}

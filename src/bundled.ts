// The plugin that ships with scaptool: the C dummy plugin (plugin API 3.0, a source of `dummy`
// events with three fields), prebuilt into the platform package beside the native addon, so
// that `scaptool demo` runs the main job right after `npm install scaptool`.
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

import {UsageError} from './errors.js'
import {platformName, root} from './native.js'

export const BUNDLED_PLUGIN = 'libdummy_api3.so'

/**
 * Path of the bundled dummy plugin: in the installed platform package, else (a checkout) the
 * fixture build. Throws a UsageError naming both places when neither has it.
 */
export function bundledPlugin(): string {
  const places: string[] = []
  try {
    // the platform package that carries the addon (napi-rs layout) carries the plugin too
    const pkg = createRequire(import.meta.url).resolve(`scaptool-${platformName()}/package.json`)
    places.push(join(dirname(pkg), 'plugins', BUNDLED_PLUGIN))
  } catch {
    // not installed: a checkout, or a platform without a prebuilt package
  }
  places.push(join(root, 'fixtures', 'plugins', 'build', BUNDLED_PLUGIN))
  const found = places.find((p) => existsSync(p))
  if (!found) throw new UsageError(`the bundled plugin ${BUNDLED_PLUGIN} is missing: looked in ${places.join(', ')} (in a checkout: npm run build:fixtures)`)
  return found
}

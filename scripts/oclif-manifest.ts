// `node dist/scripts/oclif-manifest.js` (part of `npm run build:ts`): writes oclif.manifest.json,
// the commands with their flags and help, as `oclif manifest` does. With it, oclif lists the
// commands and shows help without importing them, and a run imports only the command it runs:
// the difference between about 80 ms and 10 ms of start-up on every command.
import {writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {Plugin, settings} from '@oclif/core'

export async function writeOclifManifest(root: string, file = join(root, 'oclif.manifest.json')): Promise<string> {
  // The compiled commands, as bin/run.js runs them: under NODE_ENV=test or development oclif
  // would look for the TypeScript sources instead (and list none).
  settings.enableAutoTranspile = false
  const plugin = new Plugin({root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true})
  await plugin.load()
  if (Object.keys(plugin.manifest.commands).length === 0) throw new Error(`no commands found under ${root}/dist/commands: run tsc first`)
  writeFileSync(file, JSON.stringify(plugin.manifest, null, 2) + '\n')
  return file
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeOclifManifest(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'))
}

// `node dist/scripts/bundle-cli.js` (part of `npm run build:ts`): bundles what bin/run.js loads
// first (commands/support/cli-entry.ts and, on demand, the direct path's modules) into one
// CommonJS file, dist/cli.cjs, from tsc's output. bin/run.js is CommonJS (bin/package.json):
// a plain `scaptool print` then runs without Node's ES module loader, about 10 ms less.
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

export async function bundleCli(root: string): Promise<string> {
  const outfile = join(root, 'dist', 'cli.cjs')
  await build({
    entryPoints: [join(root, 'dist', 'commands', 'support', 'cli-entry.js')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // the packages (oclif, yaml) stay in node_modules; the addon is found at run time
    packages: 'external',
    // Modules find files from their own address (the package root, the plugin host's script):
    // inside the bundle, that is the bundle's, dist/cli.cjs.
    define: {'import.meta.url': '__bundleUrl'},
    banner: {js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;"},
    logLevel: 'warning',
  })
  return outfile
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'))
}

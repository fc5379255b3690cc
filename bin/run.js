#!/bin/sh
':' //; [ -n "${NODE_EXTRA_CA_CERTS+set}" ] && export SCAPTOOL_HOST_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS" && unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// The line above is for sh (run as `scaptool`, or ./bin/run.js), a comment for Node: Node would
// parse NODE_EXTRA_CA_CERTS's whole certificate bundle at start-up (about 40 ms with Debian's),
// for a command that makes no TLS connection. The variable goes under another name, and is put
// back below, before anything else runs.
//
// CommonJS (bin/package.json): a plain command line (commands/support/direct.ts) runs from one
// bundled file, dist/cli.cjs, without Node's ES module loader; anything else goes to oclif.
'use strict'
const {join} = require('node:path')
const {restoreHostEnv, runDirect} = require('../dist/cli.cjs')

restoreHostEnv(process.env)

const argv = process.argv.slice(2)
runDirect(argv).then((done) => (done ? undefined : runWithOclif()))

async function runWithOclif() {
  // The plugin host starts while oclif loads (the two overlap on two cores).
  const {runsPluginHost, startPluginHostAhead} = await import('../dist/src/worker/host-process.js')
  if (runsPluginHost(argv)) startPluginHostAhead()

  const {execute, settings} = await import('@oclif/core')

  // Always the compiled commands (dist/): never look for TypeScript sources, whatever NODE_ENV says.
  settings.enableAutoTranspile = false

  // The package root itself: oclif looks for package.json from there up (from this file, it
  // would take bin/package.json for the root).
  await execute({dir: join(__dirname, '..')})
}

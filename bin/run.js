#!/bin/sh
':' //; [ -n "${NODE_EXTRA_CA_CERTS+set}" ] && export SCAPTOOL_HOST_NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS" && unset NODE_EXTRA_CA_CERTS; exec node "$0" "$@"
// The line above is for sh (run as `scaptool`, or ./bin/run.js), a comment for Node: Node would
// parse NODE_EXTRA_CA_CERTS's whole certificate bundle at start-up (about 40 ms with Debian's),
// for a command that makes no TLS connection. The variable goes under another name, and is put
// back below, before anything else runs.
import {restoreHostEnv, runsPluginHost, startPluginHostAhead} from '../dist/src/worker/host-process.js'

restoreHostEnv(process.env)

const argv = process.argv.slice(2)
const {runDirect} = await import('../dist/commands/support/direct.js')
if (!(await runDirect(argv))) await runWithOclif()

async function runWithOclif() {
  // The plugin host starts while oclif loads (the two overlap on two cores).
  if (runsPluginHost(argv)) startPluginHostAhead()

  const {execute, settings} = await import('@oclif/core')

  // Always the compiled commands (dist/): never look for TypeScript sources, whatever NODE_ENV says.
  settings.enableAutoTranspile = false

  await execute({dir: import.meta.url})
}

#!/usr/bin/env node
import {runsPluginHost, startPluginHostAhead} from '../dist/src/worker/host-process.js'

// The plugin host starts while oclif loads (the two overlap on two cores).
if (runsPluginHost(process.argv.slice(2))) startPluginHostAhead()

const {execute, settings} = await import('@oclif/core')

// Always the compiled commands (dist/): never look for TypeScript sources, whatever NODE_ENV says.
settings.enableAutoTranspile = false

await execute({dir: import.meta.url})

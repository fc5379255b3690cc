#!/usr/bin/env node
import {execute, settings} from '@oclif/core'

// Always the compiled commands (dist/): never look for TypeScript sources, whatever NODE_ENV says.
settings.enableAutoTranspile = false

await execute({dir: import.meta.url})

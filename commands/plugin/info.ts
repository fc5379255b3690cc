import {Args, Flags} from '@oclif/core'

import {inspectPluginIsolated} from '../../src/engine/run.js'
import type {PluginInspection} from '../../src/plugin/inspect.js'
import {ScaptoolCommand, type Outcome} from '../support/command.js'
import {EXIT, EXIT_CODES_HELP} from '../support/exit-codes.js'
import {fieldRows} from '../support/fields.js'
import {table} from '../support/output.js'
import {isolation, pluginFlags, pluginPath} from '../support/plugins.js'

export default class PluginInfo extends ScaptoolCommand {
  static summary = 'Load a plugin as the framework would and show everything it declares.'

  static description = `Loads the plugin library in a child process, picks its plugin-API generation (from its required API version and exported symbols), checks it exactly as that generation's framework does (version compatibility, required symbols, capabilities, fields JSON, init schema), then initializes it (with --init-config, default: the framework's empty config) to list its open parameters. A plugin the framework would reject exits with code 4 and the precise reason.

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'Everything the Go dummy plugin declares', command: '<%= config.bin %> plugin info fixtures/plugins/build/go/libdummy.so'},
    {description: 'Initialized with a config, as JSON', command: "<%= config.bin %> plugin info libdummy_c.so --init-config '{\"jitter\": 5}' --json"},
    {description: 'A plugin the framework refuses: exit 4 with the reason (its fields JSON has a type that does not exist)', command: '<%= config.bin %> plugin info libbroken.so'},
  ]

  static args = {library: Args.string({description: 'Plugin shared library (.so)', required: true})}

  static flags = {
    'init-config': Flags.string({description: 'Init config to initialize the plugin with', helpValue: 'JSON'}),
    'no-init': Flags.boolean({description: 'Do not initialize the plugin (no open params then)'}),
    'plugin-timeout': pluginFlags['plugin-timeout'],
  }

  protected async execute(): Promise<Outcome> {
    const {args, flags} = await this.parse(PluginInfo)
    const inspection = await inspectPluginIsolated(pluginPath(args.library), {initConfig: flags['no-init'] ? undefined : (flags['init-config'] ?? ''), ...isolation(flags)})
    return {data: inspection, text: render(inspection), exitCode: inspection.initError ? EXIT.PLUGIN : EXIT.OK}
  }
}

function render(x: PluginInspection): string {
  const i = x.info
  const caps = Object.entries(i.capabilities).filter(([, on]) => on).map(([k]) => k)
  const lines = [
    `plugin       ${i.name} ${i.version}`,
    `library      ${i.path}`,
    `description  ${i.description}`,
    `contact      ${i.contact}`,
    `plugin API   requires ${i.requiredApiVersion}: generation ${i.generation} (scaptool plays framework ${i.frameworkApiVersion.major}.${i.frameworkApiVersion.minor}.${i.frameworkApiVersion.patch})`,
    `capabilities ${caps.join(', ') || 'none'}${i.pluginType !== null ? ` (get_type ${i.pluginType === 1 ? 'source' : 'extractor'})` : ''}`,
  ]
  if (i.capabilities.sourcing) lines.push(`source       id ${i.id}, event source ${JSON.stringify(i.eventSource)}`)
  if (i.capabilities.extraction) lines.push(`extracts     from ${i.extractEventSources.length ? i.extractEventSources.join(', ') : 'every source'}`)
  if (i.asyncEvents.length) lines.push(`async events ${i.asyncEvents.join(', ')}`)
  lines.push(`concurrency  ${i.concurrentStatesAllowed ? 'distinct states may run on different threads (2.0+ contract)' : 'one call at a time (before API 2.0)'}`)
  if (i.fields.length) {
    lines.push(`fields (${i.fields.length})`)
    lines.push(table(fieldRows(i.fields)))
  }
  lines.push(`init schema  ${i.initSchema ? i.initSchema.text : 'none'}`)
  if (x.initialized) {
    lines.push(`init         ok with config ${JSON.stringify(x.initConfig)}`)
    if (x.openParams) lines.push(`open params  ${x.openParams.length ? x.openParams.map((p) => `${p.value}${p.desc ? ` (${p.desc})` : ''}`).join('; ') : 'no suggestions'}`)
  }
  if (x.initError) lines.push(`init         FAILED: ${x.initError.message}`)
  for (const w of i.warnings) lines.push(`warning      ${w}`)
  return lines.join('\n')
}

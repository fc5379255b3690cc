import {Args} from '@oclif/core'

import {inspectPluginIsolated} from '../../src/engine/run.js'
import {ScaptoolCommand, type Outcome} from '../support/command.js'
import {EXIT, EXIT_CODES_HELP} from '../support/exit-codes.js'
import {fieldRows} from '../support/fields.js'
import {table} from '../support/output.js'
import {isolation, pluginFlags, pluginPath} from '../support/plugins.js'

export default class PluginFields extends ScaptoolCommand {
  static summary = 'List the fields a plugin exports: name, type, argument, list, description.'

  static description = `Loads the plugin (in a child process) and prints its fields as the framework parsed them.

${EXIT_CODES_HELP}`

  static examples = [
    {description: "The Go dummy plugin's fields", command: '<%= config.bin %> plugin fields fixtures/plugins/build/go/libdummy.so'},
    {description: "An extractor's fields as JSON", command: '<%= config.bin %> plugin fields libdummyx.so --json'},
  ]

  static args = {library: Args.string({description: 'Plugin shared library (.so)', required: true})}

  static flags = {'plugin-timeout': pluginFlags['plugin-timeout']}

  protected async execute(): Promise<Outcome> {
    const {args, flags} = await this.parse(PluginFields)
    const {info} = await inspectPluginIsolated(pluginPath(args.library), isolation(flags))
    return {data: info.fields, text: table(fieldRows(info.fields), ''), exitCode: EXIT.OK}
  }
}

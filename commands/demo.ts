import {randomInt} from 'node:crypto'
import {mkdirSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {Flags} from '@oclif/core'

import {bundledPlugin} from '../src/bundled.js'
import {record, replay} from '../src/engine/run.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT, EXIT_CODES_HELP} from './support/exit-codes.js'
import {thousands} from './support/output.js'
import {isolation, pluginFlags} from './support/plugins.js'
import {Progress} from './support/progress.js'
import {describe} from './record.js'
import {render} from './replay.js'

export default class Demo extends ScaptoolCommand {
  static summary = 'The main job on the bundled dummy plugin: record live, then replay and prove every field.'

  static description = `Runs the bundled C dummy plugin (plugin API 3.0, shipped prebuilt with scaptool) live for --events events into a capture and its golden file, then replays the capture through a fresh instance of the plugin and compares every field (dummy.value, dummy.strvalue and dummy.divisible[3]) with the live run, in capture, reverse and shuffled order. Prints both summaries and PASS or FAIL. The files stay in --dir (default: a new temporary directory, printed).

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'Record 1,000 events and replay them (files in a new temporary directory)', command: '<%= config.bin %> demo'},
    {description: 'More events, files kept in ./demo, both summaries as JSON', command: '<%= config.bin %> demo --events 5000 --dir demo --json'},
  ]

  static flags = {
    events: Flags.integer({char: 'n', default: 1000, min: 1, description: 'Events to record', helpValue: 'N'}),
    dir: Flags.string({description: 'Directory for the capture and its golden file (default: a new temporary directory)', helpValue: 'DIR'}),
    'plugin-timeout': pluginFlags['plugin-timeout'],
  }

  protected async execute(): Promise<Outcome> {
    const {flags} = await this.parse(Demo)
    const plugin = bundledPlugin()
    const dir = flags.dir ?? mkdtempSync(join(tmpdir(), 'scaptool-demo-'))
    mkdirSync(dir, {recursive: true})
    const capture = join(dir, 'dummy.scap')
    const recording = new Progress('recording')
    const recorded = await record(
      {
        sources: [{path: plugin, initConfig: '{"jitter": 10}', openParams: JSON.stringify({start: 1, maxEvents: flags.events})}],
        fields: ['dummy.divisible[3]'],
        output: capture,
      },
      {onProgress: (p) => recording.update(p.events, flags.events, `${thousands(p.events)} events`), ...isolation(flags)},
    ).finally(() => recording.finish())
    const replaying = new Progress('replaying')
    const replayed = await replay(
      {capture, plugins: [{path: plugin}], shuffleSeed: randomInt(2 ** 31)},
      {onProgress: (p) => replaying.update(p.position, p.fileSize, `${thousands(p.events)} events`), ...isolation(flags)},
    ).finally(() => replaying.finish())
    return {
      data: {plugin, dir, record: recorded, replay: replayed},
      text: [`plugin   ${plugin} (bundled)`, describe(recorded), '', render(replayed), `files    ${dir}`].join('\n'),
      exitCode: replayed.passed ? EXIT.OK : EXIT.FAILED,
    }
  }
}

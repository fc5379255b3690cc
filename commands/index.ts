// Explicit command discovery (package.json oclif.commandDiscovery): ids use ':' between topic
// and command, shown with spaces (`scaptool plugin info`).
import Convert from './convert.js'
import Demo from './demo.js'
import Diff from './diff.js'
import Info from './info.js'
import Merge from './merge.js'
import PluginFields from './plugin/fields.js'
import PluginInfo from './plugin/info.js'
import Print from './print.js'
import Record from './record.js'
import Replay from './replay.js'

export const COMMANDS = {
  info: Info,
  convert: Convert,
  'plugin:info': PluginInfo,
  'plugin:fields': PluginFields,
  record: Record,
  replay: Replay,
  print: Print,
  demo: Demo,
  merge: Merge,
  diff: Diff,
}

// Explicit command discovery (package.json oclif.commandDiscovery): ids use ':' between topic
// and command, shown with spaces (`scaptool plugin info`).
import Convert from './convert.js'
import Info from './info.js'

export const COMMANDS = {
  info: Info,
  convert: Convert,
}

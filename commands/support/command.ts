// The base of every scaptool command: oclif parses, the command works, and outcome.ts turns
// its result or error into output (human text, or JSON with --json) and the exit code.
import {Command, Flags} from '@oclif/core'

import {deliver, type Outcome} from './outcome.js'

export {exitCodeFor, type Outcome} from './outcome.js'

export abstract class ScaptoolCommand extends Command {
  static baseFlags = {
    json: Flags.boolean({description: 'Print the result as JSON on stdout (shape documented in the README).'}),
  }

  protected jsonOutput = false

  /** Does the work; throws for failures that have no partial result to show. */
  protected abstract execute(): Promise<Outcome>

  async run(): Promise<void> {
    this.jsonOutput = this.argv.includes('--json')
    await deliver(() => this.execute(), () => this.jsonOutput)
  }
}

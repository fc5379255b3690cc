// The base of every scaptool command: one place that turns results and errors into output
// (human text, or JSON with --json) and into the documented exit codes.
import {Command, Flags} from '@oclif/core'

import {GoldenError, PluginError, ScapError, UsageError} from '../../src/errors.js'
import {EXIT} from './exit-codes.js'
import {toJson} from './output.js'

export interface Outcome {
  /** What --json prints. */
  data: unknown
  /** What is printed otherwise. */
  text: string
  exitCode: number
  /** The command already wrote its output (streamed lines, e.g. print): write nothing more. */
  streamed?: boolean
}

export abstract class ScaptoolCommand extends Command {
  static baseFlags = {
    json: Flags.boolean({description: 'Print the result as JSON on stdout (shape documented in the README).'}),
  }

  protected jsonOutput = false

  /** Does the work; throws for failures that have no partial result to show. */
  protected abstract execute(): Promise<Outcome>

  async run(): Promise<void> {
    this.jsonOutput = this.argv.includes('--json')
    try {
      const outcome = await this.execute()
      if (!outcome.streamed) process.stdout.write((this.jsonOutput ? toJson(outcome.data) : outcome.text) + '\n')
      process.exitCode = outcome.exitCode
    } catch (err) {
      const exitCode = exitCodeFor(err)
      if (this.jsonOutput) {
        process.stdout.write(toJson({error: describeError(err)}) + '\n')
      } else {
        const internal = exitCode === EXIT.INTERNAL ? 'internal error (a bug in scaptool, please report it): ' : ''
        process.stderr.write(`error: ${internal}${err instanceof Error ? err.message : String(err)}\n`)
      }
      process.exitCode = exitCode
    }
  }
}

function isParseError(err: unknown): boolean {
  // oclif's flag/argument errors carry a `parse` property or a CLIError oclif code.
  const e = err as {parse?: unknown; oclif?: {exit?: number}; name?: string}
  return Boolean(e && (e.parse !== undefined || e.oclif?.exit === 2 || /Args?Error|FlagError|Validation/.test(e.name ?? '')))
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError || isParseError(err)) return EXIT.USAGE
  if (err instanceof ScapError) return err.code === 'IO' ? EXIT.IO : EXIT.CAPTURE
  if (err instanceof PluginError) return EXIT.PLUGIN
  if (err instanceof GoldenError) return EXIT.CAPTURE
  // Every system error (ENOENT, EACCES, EISDIR, ENOSPC, EROFS, EPERM, ENOTDIR, EIO, ...) is I/O.
  const code = (err as {code?: string})?.code
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return EXIT.IO
  if ((err as {kind?: string})?.kind === 'IO') return EXIT.IO
  return EXIT.INTERNAL
}

function describeError(err: unknown): unknown {
  const withJson = err as {toJSON?: () => unknown}
  if (err instanceof Error && typeof withJson.toJSON === 'function') return withJson.toJSON()
  if (err instanceof Error) return {name: err.name, message: err.message}
  return {message: String(err)}
}

// What a command's result or failure becomes: output (human text, or JSON with --json) and the
// documented exit code. Free of oclif, so that the direct path (direct.ts) shares it.
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

/** Writes what a command's work gave, result or error, and sets the exit code. */
export async function deliver(work: () => Promise<Outcome>, jsonOutput: () => boolean): Promise<void> {
  try {
    const outcome = await work()
    if (!outcome.streamed) process.stdout.write((jsonOutput() ? toJson(outcome.data) : outcome.text) + '\n')
    process.exitCode = outcome.exitCode
  } catch (err) {
    const exitCode = exitCodeFor(err)
    if (jsonOutput()) {
      process.stdout.write(toJson({error: describeError(err)}) + '\n')
    } else {
      const internal = exitCode === EXIT.INTERNAL ? 'internal error (a bug in scaptool, please report it): ' : ''
      process.stderr.write(`error: ${internal}${err instanceof Error ? err.message : String(err)}\n`)
    }
    process.exitCode = exitCode
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

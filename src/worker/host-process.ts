// The plugin host process (child.ts) itself: started for a run, or ahead of it. The CLI starts
// it first thing for commands that run plugins, so that Node's start-up and the addon's load in
// the child overlap with oclif's load in the parent (two cores: about 0.1 s less per command).
// Nothing here loads the addon.
import {fork, type ChildProcess} from 'node:child_process'
import {existsSync} from 'node:fs'
import type {Socket} from 'node:net'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'

import {hostEnv} from './host-env.js'

let warm: ChildProcess | undefined

/** The host's script: beside this module (src/worker/ under tsx, dist/src/worker/ compiled),
 * or under dist/src/worker/ when this module runs inside the CLI's bundle (dist/cli.cjs). */
function hostScript(): string {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) return join(here, '..', 'child.ts')
  const beside = join(here, '..', 'child.js')
  return existsSync(beside) ? beside : join(here, '..', 'src', 'worker', 'child.js')
}

function startPluginHost(): ChildProcess {
  const script = hostScript()
  const fromSource = script.endsWith('.ts')
  return fork(script, [], {
    execArgv: fromSource ? ['--import', 'tsx'] : [],
    env: hostEnv(process.env),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  })
}

/** Holds (or releases) the parent's event loop for the child: a started host nobody used must
 * not keep scaptool running, and dies on its own once the parent is gone (its channel closes). */
function holdLoop(child: ChildProcess, hold: boolean): void {
  const stderr = child.stderr as Socket | null
  if (hold) {
    child.ref()
    child.channel?.ref()
    stderr?.ref()
  } else {
    child.unref()
    child.channel?.unref()
    stderr?.unref()
  }
}

/** Starts a plugin host now, for the next run to take. */
export function startPluginHostAhead(): void {
  if (warm) return
  warm = startPluginHost()
  holdLoop(warm, false)
}

/** The host started ahead if it is alive, else a new one. */
export function takePluginHost(): ChildProcess {
  const child = warm
  warm = undefined
  if (child && child.exitCode === null && child.signalCode === null && child.connected) {
    holdLoop(child, true)
    return child
  }
  child?.kill()
  return startPluginHost()
}

/** Whether a command line runs plugins in a plugin host (`record`, `replay`, and `print` or
 * `plugin` with plugins), and is no request for help. */
export function runsPluginHost(argv: string[]): boolean {
  if (argv.some((a) => a === '-h' || a === '--help' || a === '--')) return false
  const [command, sub] = argv
  if (command === 'record' || command === 'replay') return true
  if (command === 'plugin') return sub === 'info' || sub === 'fields'
  return command === 'print' && argv.some((a) => /^(-p|--plugin|-c|--config)(=|$)/.test(a) || /^-[pc]./.test(a))
}

// The plugin host process (child.ts) itself: started for a run, or ahead of it. The CLI starts
// it first thing for commands that run plugins, so that Node's start-up and the addon's load in
// the child overlap with oclif's load in the parent (two cores: about 0.1 s less per command).
// Nothing here loads the addon: bin/run.js imports this module before anything else.
import {fork, type ChildProcess} from 'node:child_process'
import type {Socket} from 'node:net'
import {fileURLToPath} from 'node:url'
import {join} from 'node:path'

let warm: ChildProcess | undefined

/** Where the host finds NODE_EXTRA_CA_CERTS (see `hostEnv`). */
const DEFERRED_CA_CERTS = 'SCAPTOOL_HOST_NODE_EXTRA_CA_CERTS'

/** The host's environment: the parent's, except that Node would parse NODE_EXTRA_CA_CERTS's
 * whole certificate bundle at start-up (about 40 ms of CPU per process with Debian's) for a
 * process that makes no TLS connection. The variable goes under another name, and the host
 * puts it back (`restoreHostEnv`) before plugins see its environment. */
export function hostEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const host = {...env}
  if (host.NODE_EXTRA_CA_CERTS !== undefined) {
    host[DEFERRED_CA_CERTS] = host.NODE_EXTRA_CA_CERTS
    delete host.NODE_EXTRA_CA_CERTS
  }
  return host
}

/** In the host: the environment scaptool was given, back in place (plugins read it). */
export function restoreHostEnv(env: NodeJS.ProcessEnv): void {
  if (env[DEFERRED_CA_CERTS] === undefined) return
  env.NODE_EXTRA_CA_CERTS = env[DEFERRED_CA_CERTS]
  delete env[DEFERRED_CA_CERTS]
}

function startPluginHost(): ChildProcess {
  const here = fileURLToPath(import.meta.url)
  const fromSource = here.endsWith('.ts')
  return fork(join(here, '..', fromSource ? 'child.ts' : 'child.js'), [], {
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

// The environment of scaptool's processes without NODE_EXTRA_CA_CERTS at start-up (see
// `hostEnv`). bin/run.js calls `restoreHostEnv` first thing (from the bundle, dist/cli.cjs), so
// this module loads nothing.

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

// The test oracles: current libsinsp's sinsp-example and current Falco, built by
// scripts/build-oracle.sh into a per-machine cache (.ci/run builds them when missing). A test
// that needs an oracle fails when it is not built: a skipped interop test is a failure to set
// up, not a pass.
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {projectRoot} from './helpers.js'

export interface Oracles {
  sinspExample: string
  falco: string
}

let located: Oracles | undefined

/** The built oracles; throws with the command that builds them when they are missing. */
export function oracles(): Oracles {
  if (located) return located
  const r = spawnSync('bash', [join(projectRoot, 'scripts', 'build-oracle.sh'), '--print'], {encoding: 'utf8'})
  const get = (k: string) => new RegExp(`^${k}=(.+)$`, 'm').exec(r.stdout ?? '')?.[1]
  const sinspExample = get('SINSP_EXAMPLE')
  const falco = get('FALCO')
  if (r.status !== 0 || !sinspExample || !falco) {
    throw new Error(`the libsinsp/Falco oracles are not built: run bash scripts/build-oracle.sh (${(r.stderr ?? '').trim()})`)
  }
  located = {sinspExample, falco}
  return located
}

export interface OraclePlugin {
  path: string
  initConfig?: string
  openParams?: string
}

export interface SinspRun {
  status: number
  /** Event lines only: sinsp-example's progress and statistics lines are removed. */
  lines: string[]
  stdout: string
  stderr: string
}

/** sinsp-example's own lines, which are not events. */
const NOISE = /^(-- |Retrieved events|Time spent|Events\/ms|Number of |Capture stats|Dropped |Start capture|Stop capture|Opened |Kernel |Plugin )/

/**
 * Runs current libsinsp's sinsp-example on a capture: `-s capture -a` (every thread), one `-p`
 * per plugin (`path|init_config|open_params`), an optional filter, an output format (`-o`) and
 * JSON (`-j`).
 */
export function sinspExample(capture: string, opts: {plugins: OraclePlugin[]; filter?: string; format?: string; json?: boolean; extra?: string[]}): SinspRun {
  const args = ['-s', capture, '-a']
  for (const p of opts.plugins) args.push('-p', `${p.path}|${p.initConfig ?? ''}|${p.openParams ?? ''}`)
  if (opts.filter) args.push('-f', opts.filter)
  if (opts.format) args.push('-o', opts.format)
  if (opts.json) args.push('-j')
  args.push(...(opts.extra ?? []))
  const r = spawnSync(oracles().sinspExample, args, {encoding: 'utf8', maxBuffer: 1 << 30, env: {...process.env, TZ: 'UTC'}})
  if (r.error) throw r.error
  const lines = (r.stdout ?? '').split('\n').filter((l) => l !== '' && !NOISE.test(l))
  return {status: r.status ?? -1, lines, stdout: r.stdout ?? '', stderr: r.stderr ?? ''}
}

export interface FalcoRun {
  status: number
  stdout: string
  stderr: string
}

/**
 * Runs current Falco in replay mode on a capture with plugins and rules files, as the guide's
 * "Plugin In Action" does live. `json` selects `json_output`.
 */
export function falcoReplay(dir: string, capture: string, opts: {plugins: Array<OraclePlugin & {name: string}>; rules: string[]; json?: boolean; extraConfig?: string}): FalcoRun {
  const yaml = [
    'plugins:',
    ...opts.plugins.map((p) => `  - {name: ${JSON.stringify(p.name)}, library_path: ${JSON.stringify(p.path)}, init_config: ${JSON.stringify(p.initConfig ?? '')}, open_params: ${JSON.stringify(p.openParams ?? '')}}`),
    `load_plugins: [${opts.plugins.map((p) => JSON.stringify(p.name)).join(', ')}]`,
    `engine: {kind: replay, replay: {capture_file: ${JSON.stringify(capture)}}}`,
    `rules_files: [${opts.rules.map((r) => JSON.stringify(r)).join(', ')}]`,
    'stdout_output: {enabled: true}',
    `json_output: ${opts.json ? 'true' : 'false'}`,
    'log_stderr: true',
    'log_level: warning',
    opts.extraConfig ?? '',
  ].join('\n')
  const config = join(dir, `falco-${Math.random().toString(36).slice(2)}.yaml`)
  writeFileSync(config, yaml)
  const r = spawnSync(oracles().falco, ['-c', config], {encoding: 'utf8', maxBuffer: 1 << 30, env: {...process.env, TZ: 'UTC', FALCO_HOSTNAME: 'oracle-host'}})
  if (r.error) throw r.error
  return {status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? ''}
}

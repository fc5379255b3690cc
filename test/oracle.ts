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
  /** The signal that ended it, if one did. */
  signal?: string
  /** Event lines only (empty ones included): the lines between sinsp-example's `-- Start capture`
   * and `-- EOF`, without its progress, error and statistics lines. */
  lines: string[]
  stdout: string
  stderr: string
  /** Why libsinsp refused the filter: sinsp-example then says so on stderr and prints every event. */
  filterError?: string
  /** Why libsinsp refused the output format: sinsp-example dies of the uncaught exception. */
  formatError?: string
}

/** sinsp-example's own lines, which are not events. */
const NOISE = /^(-- |\[ERROR\] |Retrieved events|Time spent|Events\/ms|Number of |Capture stats|Dropped |Start capture|Stop capture|Opened |Kernel |Plugin )/

/** The event lines of sinsp-example's stdout (see `SinspRun.lines`). */
function eventLines(stdout: string): string[] {
  const all = stdout.split('\n')
  const start = all.indexOf('-- Start capture')
  // before the marker only set-up lines; without it (a failed open) nothing was printed
  if (start < 0) return []
  const out: string[] = []
  for (const l of all.slice(start + 1)) {
    if (l === '-- EOF' || l.startsWith('-- Stop capture')) break
    if (!NOISE.test(l)) out.push(l)
  }
  return out
}

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
  const stdout = r.stdout ?? ''
  const stderr = r.stderr ?? ''
  const filterError = /^\[ERROR\] Unable to set filter: (.*)$/m.exec(stderr)?.[1]
  // an uncaught sinsp_exception (a bad -o format) aborts the process
  const formatError = r.status !== 0 ? /terminate called after throwing[^\n]*\n\s*what\(\):\s*(.*)/.exec(stderr)?.[1] : undefined
  return {status: r.status ?? (r.signal ? 128 : -1), signal: r.signal ?? undefined, lines: eventLines(stdout), stdout, stderr, filterError, formatError}
}

export interface FalcoRun {
  status: number
  stdout: string
  stderr: string
}

/**
 * Runs current Falco in replay mode on a capture with plugins and rules files, as the guide's
 * "Plugin In Action" does live. `json` selects `json_output`; `extraConfig` adds lines to
 * falco.yaml (`priority: error`, `rule_matching: all`...). Falco writes the alerts and its
 * summary to stdout, its log lines (rules warnings and errors included) to stderr. `hostname`
 * is FALCO_HOSTNAME (the `hostname` of JSON alerts).
 */
export function falcoReplay(dir: string, capture: string, opts: {plugins: Array<OraclePlugin & {name: string}>; rules: string[]; json?: boolean; extraConfig?: string; hostname?: string}): FalcoRun {
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
  const r = spawnSync(oracles().falco, ['-c', config], {encoding: 'utf8', maxBuffer: 1 << 30, env: {...process.env, TZ: 'UTC', FALCO_HOSTNAME: opts.hostname ?? 'oracle-host'}})
  if (r.error) throw r.error
  return {status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? ''}
}

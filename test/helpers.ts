// Shared test helpers: locations of the real captures, temporary directories, and running the
// built CLI as a child process (the real binary, as users run it).
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** ../shared beside the project (CI places it there). */
export const sharedCaptures = resolve(projectRoot, '..', 'shared', 'captures')

export function capture(rel: string): string {
  return join(sharedCaptures, rel)
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'scaptool-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  process.on('exit', () => rmSync(dir, {recursive: true, force: true}))
  return dir
}

export interface CliResult {
  status: number
  stdout: string
  stderr: string
}

/** Runs `scaptool ...args` (the compiled CLI) and returns its exit status and output. */
export function cli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): CliResult {
  const r = spawnSync(process.execPath, [join(projectRoot, 'bin', 'run.js'), ...args], {
    cwd: options.cwd ?? projectRoot,
    env: {...process.env, ...options.env},
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  })
  return {status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr}
}

/** Runs a program and returns its output; throws with its stderr if it fails. */
export function run(cmd: string, args: string[], options: {cwd?: string} = {}): string {
  const r = spawnSync(cmd, args, {cwd: options.cwd, encoding: 'utf8', maxBuffer: 256 << 20})
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

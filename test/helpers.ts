// Shared test helpers: locations of the real captures, temporary directories, and running the
// built CLI as a child process (the real binary, as users run it).
import {spawn, spawnSync} from 'node:child_process'
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
/**
 * Text as a reader sees it: oclif's own messages are coloured wherever the colour library
 * believes a log viewer renders colour (a CI=... environment, FORCE_COLOR), even into a pipe.
 */
export function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
}

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

/** Runs `scaptool ...args` (the compiled CLI) in a child process; resolves with its exit status
 * and output (tests run concurrently while it runs). */
export function cli(args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; onSpawn?: (pid: number) => void} = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'run.js'), ...args], {
      cwd: options.cwd ?? projectRoot,
      env: {...process.env, ...options.env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('spawn', () => options.onSpawn?.(child.pid!))
    child.on('close', (code, signal) => resolve({status: code ?? (signal ? 128 : -1), stdout, stderr}))
  })
}

/** Runs a program and returns its output; throws with its stderr if it fails. */
export function run(cmd: string, args: string[], options: {cwd?: string; input?: string} = {}): string {
  const r = spawnSync(cmd, args, {cwd: options.cwd, input: options.input, encoding: 'utf8', maxBuffer: 256 << 20})
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r.stdout
}

/** A fixture plugin built by `make -C fixtures/plugins` (Go ones under go/). */
export function plugin(name: string): string {
  return join(projectRoot, 'fixtures', 'plugins', 'build', name)
}

// Benchmark helpers: timing child processes (wall time, peak RSS) and the bench capture.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {CaptureWriter} from '../../src/index.js'
import {root} from '../../src/native.js'

export {root}
export const benchDir = join(root, '.bench')

export interface Timed {
  seconds: number
  maxRssKb: number
  stdout: string
}

/** Runs a command under /usr/bin/time, returning wall seconds and peak RSS. The wall time is
 * taken around the whole run, to the microsecond: /usr/bin/time's own has 10 ms steps, a tenth
 * of a short command's run. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Timed {
  mkdirSync(benchDir, {recursive: true})
  const report = join(benchDir, '.time')
  const started = process.hrtime.bigint()
  const r = spawnSync('/usr/bin/time', ['-o', report, '-f', '%M', cmd, ...args], {
    encoding: 'utf8',
    env: {...process.env, ...env},
    maxBuffer: 256 << 20,
  })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  const rss = readFileSync(report, 'utf8').trim().split('\n').pop()!
  return {seconds, maxRssKb: Number(rss), stdout: r.stdout}
}

/** Median of `runs` runs of `fn`. */
export function median<T extends {seconds: number}>(runs: number, fn: () => T): T {
  const all = Array.from({length: runs}, fn).sort((a, b) => a.seconds - b.seconds)
  return all[Math.floor(all.length / 2)]
}

/**
 * The bench capture: `events` plugin events of the dummy plugin (id 3), payloads its decimal
 * samples, as `scaptool record` would write them; about 60 bytes per event on disk.
 */
export function benchCapture(events = 2_000_000): string {
  mkdirSync(benchDir, {recursive: true})
  const file = join(benchDir, `dummy-${events}.scap`)
  if (existsSync(file) && statSync(file).size > 0) return file
  const w = new CaptureWriter(file)
  let sample = 1
  const ts0 = 1_700_000_000_000_000_000n
  for (let i = 0; i < events; i++) {
    sample += 1 + ((i * 7919) % 11)
    w.writePluginEvent(ts0 + BigInt(i) * 1000n, 3, Buffer.from(String(sample)))
  }
  w.finish()
  return file
}

export function ratio(peer: number, ours: number): string {
  return `${(peer / ours).toFixed(2)}x`
}

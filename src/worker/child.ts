// The child process that hosts plugins for a run: a crashing plugin kills this process, not
// scaptool, and the crash record (a small shared file) tells the parent where it happened.
// Each job's engine is imported when the job arrives: a child starts faster without the
// modules of the other jobs (rules load a YAML parser).
import {native} from '../native.js'
import {restoreHostEnv} from './host-env.js'
import {serializeError, type FromChild, type Job, type OutputChunk, type ToChild} from './protocol.js'

// Plugins see the environment scaptool was given.
restoreHostEnv(process.env)

const send = (m: FromChild) => process.send!(m)
const stop = new AbortController()

// Output flow control: at most MAX_UNACKED chunks, and about MAX_UNACKED_CHARS of text, in
// flight to the parent (one chunk always goes, however large), so memory stays flat when each
// chunk holds lines of megabytes.
const MAX_UNACKED = 4
const MAX_UNACKED_CHARS = 16 << 20
const inFlight: number[] = []
let inFlightChars = 0
let wakeSender: (() => void) | undefined
async function sendOutput(chunk: OutputChunk): Promise<void> {
  const size = chunk.text.length + chunk.records.length
  while (inFlight.length >= MAX_UNACKED || (inFlight.length > 0 && inFlightChars + size > MAX_UNACKED_CHARS)) {
    await new Promise<void>((resolve) => (wakeSender = resolve))
  }
  inFlight.push(size)
  inFlightChars += size
  send({type: 'output', chunk})
}

// Ctrl-C reaches the whole process group: stop gracefully, like an explicit stop request.
process.on('SIGINT', () => stop.abort())
process.on('SIGTERM', () => stop.abort())

async function run(job: Job): Promise<unknown> {
  const onProgress = (progress: unknown) => send({type: 'progress', progress} as FromChild)
  switch (job.kind) {
    case 'inspect':
      return (await import('../plugin/inspect.js')).inspectPlugin(job.path, {initConfig: job.initConfig})
    case 'record':
      return (await import('../engine/record.js')).recordInProcess(job.options, {onProgress, signal: stop.signal})
    case 'replay':
      return (await import('../engine/replay.js')).replayInProcess(job.options, {onProgress})
    case 'print':
      return (await import('../engine/print.js')).printInProcess(job.options, {onProgress, onOutput: sendOutput, signal: stop.signal})
    case 'rules':
      return (await import('../engine/rules.js')).runRulesInProcess(job.options, {onProgress, onOutput: sendOutput, signal: stop.signal})
    case 'select':
      return (await import('../capture/select.js')).selectInProcess(job.options, {onProgress})
  }
}

process.on('message', (msg: ToChild) => {
  if (msg.type === 'stop') {
    stop.abort()
    return
  }
  if (msg.type === 'ack') {
    inFlightChars -= inFlight.shift() ?? 0
    wakeSender?.()
    wakeSender = undefined
    return
  }
  native.dieWithParent(msg.parentPid)
  native.installCrashRecorder(msg.crashFile)
  native.blockStdio()
  run(msg.job)
    .then(
      (result): FromChild => ({type: 'result', result}),
      (err): FromChild => ({type: 'error', error: serializeError(err)}),
    )
    // Disconnect only once the last message is written: disconnecting closes the channel and
    // drops writes still queued (large output chunks), and the parent would see a silent exit.
    .then((last) => process.send!(last, () => process.connected && process.disconnect()))
})

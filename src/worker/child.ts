// The child process that hosts plugins for a run: a crashing plugin kills this process, not
// scaptool, and the crash record (a small shared file) tells the parent where it happened.
import {inspectPlugin} from '../plugin/inspect.js'
import {recordInProcess} from '../engine/record.js'
import {replayInProcess} from '../engine/replay.js'
import {printInProcess} from '../engine/print.js'
import {runRulesInProcess} from '../engine/rules.js'
import {selectInProcess} from '../capture/select.js'
import {native} from '../native.js'
import {serializeError, type FromChild, type Job, type OutputChunk, type ToChild} from './protocol.js'

const send = (m: FromChild) => process.send!(m)
const stop = new AbortController()

// Output flow control: at most MAX_UNACKED chunks in flight to the parent.
const MAX_UNACKED = 4
let unacked = 0
let wakeSender: (() => void) | undefined
async function sendOutput(chunk: OutputChunk): Promise<void> {
  while (unacked >= MAX_UNACKED) await new Promise<void>((resolve) => (wakeSender = resolve))
  unacked++
  send({type: 'output', chunk})
}

// Ctrl-C reaches the whole process group: stop gracefully, like an explicit stop request.
process.on('SIGINT', () => stop.abort())
process.on('SIGTERM', () => stop.abort())

async function run(job: Job): Promise<unknown> {
  switch (job.kind) {
    case 'inspect':
      return inspectPlugin(job.path, {initConfig: job.initConfig})
    case 'record':
      return recordInProcess(job.options, {onProgress: (progress) => send({type: 'progress', progress}), signal: stop.signal})
    case 'replay':
      return replayInProcess(job.options, {onProgress: (progress) => send({type: 'progress', progress})})
    case 'print':
      return printInProcess(job.options, {onProgress: (progress) => send({type: 'progress', progress}), onOutput: sendOutput, signal: stop.signal})
    case 'rules':
      return runRulesInProcess(job.options, {onProgress: (progress) => send({type: 'progress', progress}), onOutput: sendOutput, signal: stop.signal})
    case 'select':
      return selectInProcess(job.options, {onProgress: (progress) => send({type: 'progress', progress})})
  }
}

process.on('message', (msg: ToChild) => {
  if (msg.type === 'stop') {
    stop.abort()
    return
  }
  if (msg.type === 'ack') {
    unacked--
    wakeSender?.()
    wakeSender = undefined
    return
  }
  native.dieWithParent(msg.parentPid)
  native.installCrashRecorder(msg.crashFile)
  run(msg.job)
    .then(
      (result): FromChild => ({type: 'result', result}),
      (err): FromChild => ({type: 'error', error: serializeError(err)}),
    )
    // Disconnect only once the last message is written: disconnecting closes the channel and
    // drops writes still queued (large output chunks), and the parent would see a silent exit.
    .then((last) => process.send!(last, () => process.connected && process.disconnect()))
})

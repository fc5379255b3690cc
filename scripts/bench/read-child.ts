// One full read of a capture in TS: every event decoded (evt.num, type, plugin id, payload
// length) and counted. Prints JSON {events, ms, checksum}.
import {openCapture} from '../../src/capture/reader.js'

const file = process.argv[2]
const t0 = performance.now()
let events = 0
let checksum = 0
// recycle: batch buffers are reused (views are not kept past their iteration here).
for await (const batch of openCapture(file, {recycle: true}).batches()) {
  batch.forEach((ev) => {
    events++
    checksum = (checksum + ev.type + (ev.pluginId ?? 0) + ev.paramLength(1)) | 0
  })
}
process.stdout.write(JSON.stringify({events, ms: performance.now() - t0, checksum}) + '\n')

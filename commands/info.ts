import {Args} from '@oclif/core'

import {summarizeCapture, type CaptureSummary} from '../src/capture/summary.js'
import {ScaptoolCommand, type Outcome} from './support/command.js'
import {EXIT, EXIT_CODES_HELP} from './support/exit-codes.js'
import {bytes, table, thousands} from './support/output.js'
import {Progress} from './support/progress.js'

export default class Info extends ScaptoolCommand {
  static summary = 'Describe a capture: sections, blocks, events by type and plugin, time range, damage.'

  static description = `Reads the whole capture (plain, gzip or zstd, detected from its bytes) and reports its sections, block counts by type, events by type and by plugin id, async events, the evt.num and time ranges, machine info and metadata counts. A damaged capture is described up to its last complete event, and the fault is reported with its byte offset (exit code 3).

${EXIT_CODES_HELP}`

  static examples = [
    {description: 'Describe a capture', command: '<%= config.bin %> info fixtures/captures/dummy_c-sysdig.scap'},
    {description: 'As JSON (the shape is in the README); compression is detected from the bytes', command: '<%= config.bin %> info capture.scap.gz --json'},
    {description: 'A capture written by Debian sysdig', command: '<%= config.bin %> info ../shared/captures/sysdig-plugin/plugin5.scap'},
  ]

  static args = {
    capture: Args.string({description: 'Capture file (.scap, .scap.gz, .scap.zst)', required: true}),
  }

  protected async execute(): Promise<Outcome> {
    const {args} = await this.parse(Info)
    const progress = new Progress('reading')
    let summary: CaptureSummary
    try {
      summary = await summarizeCapture(args.capture, {onProgress: (pos, size) => progress.update(pos, size)})
    } finally {
      progress.finish()
    }
    return {
      data: summary,
      text: render(summary),
      exitCode: summary.error ? EXIT.CAPTURE : EXIT.OK,
    }
  }
}

function render(s: CaptureSummary): string {
  const lines: string[] = []
  lines.push(`capture     ${s.fileName}`)
  lines.push(`compression ${s.compression} (${bytes(s.fileSize)} on disk, ${bytes(s.bytesRead)} read)`)
  lines.push(`sections    ${s.sections.length}`)
  for (const sec of s.sections) {
    const range = sec.firstEvtnum === undefined ? 'no events' : `evt.num ${sec.firstEvtnum}..${sec.lastEvtnum}`
    const opts = sec.optionsLength > 0 ? `, ${sec.optionsLength} bytes of pcapng options` : ''
    lines.push(`  #${sec.index} at byte ${sec.offset}: format ${sec.major}.${sec.minor}${opts}, ${thousands(sec.events)} events, ${range}`)
  }
  lines.push('blocks')
  lines.push(table(s.blocks.map((b) => [b.name, thousands(b.count)])))
  const evRange = s.firstEvtnum === undefined ? '' : ` (evt.num ${s.firstEvtnum}..${s.lastEvtnum})`
  lines.push(`events      ${thousands(s.events)}${evRange}`)
  if (s.timeRange) {
    const secs = Number(s.timeRange.durationNs) / 1e9
    lines.push(`time range  ${s.timeRange.first} .. ${s.timeRange.last} (${secs.toFixed(3)} s)`)
    if (s.outOfOrderTimestamps > 0) lines.push(`            ${thousands(s.outOfOrderTimestamps)} events have a timestamp lower than the previous one`)
  }
  if (s.eventsByType.length > 0) {
    lines.push('events by type')
    lines.push(table(s.eventsByType.map((t) => [String(t.eventType), t.name, thousands(t.count)])))
  }
  if (s.eventsByPlugin.length > 0) {
    lines.push('plugin events by plugin id')
    lines.push(table(s.eventsByPlugin.map((p) => [String(p.pluginId), thousands(p.count)])))
  }
  if (s.asyncEvents.length > 0) {
    lines.push('async events (plugin id, name)')
    lines.push(table(s.asyncEvents.map((a) => [String(a.pluginId), a.name, thousands(a.count)])))
  }
  if (s.droppedEvents.length > 0) {
    lines.push('events libsinsp drops (type unknown to it; no evt.num)')
    lines.push(table(s.droppedEvents.map((t) => [String(t.eventType), thousands(t.count)])))
  }
  if (s.machineInfo) {
    const mi = s.machineInfo
    lines.push(`machine     hostname ${JSON.stringify(mi.hostname)}, ${mi.numCpus} cpus, ${bytes(mi.memorySizeBytes)} memory`)
  }
  const meta = [
    ['threads', s.threads],
    ['fds', s.fds],
    ['interfaces', s.interfaces],
    ['users', s.users],
    ['groups', s.groups],
  ].filter(([, n]) => (n as number) > 0)
  if (meta.length > 0) lines.push(`metadata    ${meta.map(([k, n]) => `${thousands(n as number)} ${k}`).join(', ')}`)
  for (const w of s.warnings) lines.push(`warning     at byte ${w.offset}: ${w.message}`)
  if (s.error) {
    lines.push(`status      DAMAGED: ${s.error.code} at byte offset ${s.error.offset}: ${s.error.message.replace(`${s.fileName}: `, '').replace(/ at byte offset \d+$/, '')}`)
    lines.push(`            every event before the fault was read (${thousands(s.events)} events)`)
  } else {
    lines.push('status      complete')
  }
  return lines.join('\n')
}

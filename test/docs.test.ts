// Every command example in the README and in every command's --help runs, and exits as
// documented. Examples name files as a user would (dummy.scap, libdummy.so, falco.yaml): each
// runs in a fresh copy of a directory that holds those files, made from the project's real
// fixtures (captures recorded here with the fixture plugins, the plugins themselves, Falco
// configurations). An example expects exit 0 unless it says otherwise ("exit 4" in its
// description, or a trailing "# exit 2" in the README); output the README shows must appear,
// line by line and in order, in what the command prints ("..." skips lines, "…" any text).
import test from 'ava'
import {spawn} from 'node:child_process'
import {chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {Config} from '@oclif/core'

import {projectRoot, tempDir} from './helpers.js'

interface Example {
  /** Where it is documented: `README.md:64`, `--help of replay`. */
  source: string
  /** The command line, as a shell runs it. */
  command: string
  exit: number
  /** Lines the README shows after the command. */
  output: string[]
}

const BUILD = join(projectRoot, 'fixtures', 'plugins', 'build')
const ROOT = tempDir('scaptool-docs-')
const TEMPLATE = join(ROOT, 'template')
const BIN = join(ROOT, 'bin')
const HOME = join(ROOT, 'home')

/** A shell line runs `scaptool` from the checkout: bin/scaptool is the built CLI. */
function installWrapper(): void {
  mkdirSync(BIN, {recursive: true})
  writeFileSync(join(BIN, 'scaptool'), `#!/bin/sh\nexec "${process.execPath}" "${join(projectRoot, 'bin', 'run.js')}" "$@"\n`)
  chmodSync(join(BIN, 'scaptool'), 0o755)
  mkdirSync(HOME, {recursive: true})
}

interface Ran {
  status: number
  output: string
}

function sh(command: string, cwd: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {
      cwd,
      // HOME: autocomplete writes its cache there; TZ: the README's times are UTC
      // GITHUB_STEP_SUMMARY: the file a CI step summary goes to, as on GitHub Actions
      // TMPDIR: demo's default directory goes where the test cleans up
      env: {...process.env, PATH: `${BIN}:${process.env.PATH}`, HOME, XDG_CACHE_HOME: join(HOME, '.cache'), TZ: 'UTC', GITHUB_STEP_SUMMARY: join(cwd, 'step-summary.md'), TMPDIR: ROOT},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({status: code ?? (signal ? 128 : -1), output}))
  })
}

async function must(command: string, cwd: string): Promise<void> {
  const r = await sh(command, cwd)
  if (r.status !== 0) throw new Error(`preparing the examples' files: ${command} exited ${r.status}:\n${r.output}`)
}

/**
 * The files the examples name. `template/work` is each example's working directory;
 * `template/shared` is ../shared (the README reads ../shared/captures).
 */
async function prepare(): Promise<void> {
  installWrapper()
  const work = join(TEMPLATE, 'work')
  mkdirSync(join(work, 'fixtures', 'captures'), {recursive: true})
  mkdirSync(join(work, 'fixtures', 'plugins'), {recursive: true})
  symlinkSync(join(projectRoot, '..', 'shared'), join(TEMPLATE, 'shared'))
  copyFileSync(join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap'), join(work, 'fixtures', 'captures', 'dummy_c-sysdig.scap'))
  cpSync(join(projectRoot, 'fixtures', 'rules'), join(work, 'fixtures', 'rules'), {recursive: true})
  symlinkSync(BUILD, join(work, 'fixtures', 'plugins', 'build'))
  const links: Record<string, string> = {
    'libdummy.so': 'go/libdummy.so', // the guide's Go dummy, as the README's main job
    'libdummy_c.so': 'libdummy_c.so',
    'libdummy_api3.so': 'libdummy_api3.so',
    'libdummyx.so': 'libdummyx_api0_3.so', // an extractor of dummy events
    'libdummyx3-1.1.0.so': 'libdummyx3_1_1_0.so', // dummyx3 1.1.0: a field more than 1.0.0
    'libbroken.so': 'libbad_fields_badtype.so', // refused: a field of type "float"
    'libtables_owner_c.so': 'libtables_owner_c.so', // state tables: an owner and a reader
    'libtables_reader_c.so': 'libtables_reader_c.so',
  }
  for (const [name, target] of Object.entries(links)) symlinkSync(join(BUILD, target), join(work, name))
  const plugins = `plugins:
  - name: dummy
    library_path: libdummy.so
    init_config: {jitter: 10}
    open_params: '{"start": 1, "maxEvents": 100000}'
load_plugins: [dummy]
`
  writeFileSync(join(work, 'falco.yaml'), plugins)
  writeFileSync(join(work, 'falco-rules.yaml'), `${plugins}rules_files: [fixtures/rules/dummy_rules.yaml]\n`)
  await must(`scaptool record -p libdummy.so --init-config '{"jitter": 10}' --open-params '{"start": 1, "maxEvents": 1000}' --field 'dummy.divisible[3]' -o dummy.scap`, work)
  await must('scaptool replay dummy.scap -p libdummy.so -r fixtures/rules/dummy_rules.yaml --update-alerts', work)
  await must('scaptool convert dummy.scap dummy.scap.gz && scaptool convert dummy.scap dummy.scap.zst', work)
  await must('cp dummy.scap capture.scap && cp dummy.scap fresh.scap && scaptool convert dummy.scap capture.scap.gz', work)
  // merge's and diff's inputs: copies, so that a diff of two of them finds them identical
  await must('cp dummy.scap a.scap && cp dummy.scap.gz b.scap.gz && cp dummy.scap.zst c.scap.zst && cp fixtures/captures/dummy_c-sysdig.scap other.scap', work)
  await must('for g in old.scap.golden new.scap.golden a.golden b.golden; do cp dummy.scap.golden $g; done', work)
  copyFileSync(join(projectRoot, '..', 'shared', 'captures', 'falco', 'cat_write.scap'), join(work, 'cat_write.scap'))
  await must('scaptool replay cat_write.scap -p libtables_owner_c.so -p libtables_reader_c.so --update', work)
  await must(`scaptool record -p libdummy_api3.so -x fixtures/plugins/build/libdummyx3_1_0_0.so --open-params '{"start": 1, "maxEvents": 200}' -o dummyx.scap`, work)
}

const prepared = prepare()

/** README examples: `$ scaptool ...` (or `scaptool ...`) lines in fenced blocks, with the
 * output shown after them; `\` continues a line. Data blocks (yaml, json, ts) hold none. */
function readmeExamples(): Example[] {
  const lines = readFileSync(join(projectRoot, 'README.md'), 'utf8').split('\n')
  const examples: Example[] = []
  let fence: string | null = null
  let current: Example | null = null
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const opening = /^```(\w*)/.exec(line)
    if (fence === null && opening) {
      fence = opening[1]
      continue
    }
    if (fence !== null && line.startsWith('```')) {
      fence = null
      current = null
      continue
    }
    if (fence === null || ['yaml', 'json', 'jsonc', 'ts'].includes(fence)) continue
    const command = /^(?:\$ )?(scaptool .*)$/.exec(line)
    if (command) {
      let text = command[1]
      while (text.endsWith('\\') && i + 1 < lines.length) text = `${text.slice(0, -1).trimEnd()} ${lines[++i].trim()}`
      const exit = /#\s*exit (\d+)\s*$/.exec(text)
      current = {source: `README.md:${i + 1}`, command: text, exit: exit ? Number(exit[1]) : 0, output: []}
      examples.push(current)
    } else if (current && line.trim() !== '') {
      current.output.push(line.replace(/\s+<- on stderr$/, '').trimEnd())
    }
  }
  return examples
}

/** The examples oclif shows in each command's --help (this CLI's and its plugins'). */
async function helpExamples(): Promise<Example[]> {
  const config = await Config.load({root: projectRoot})
  const examples: Example[] = []
  for (const c of config.commands) {
    const cmd = await c.load()
    const render = (s: string) => s.replaceAll('<%= config.bin %>', 'scaptool').replaceAll('<%= command.id %>', c.id.replaceAll(':', ' '))
    for (const e of cmd.examples ?? []) {
      const {description, command} = typeof e === 'string' ? {description: '', command: e} : e
      const exit = /\bexits? (\d+)\b/.exec(description ?? '')
      // oclif's own plugins write their examples with the prompt
      examples.push({source: `--help of ${c.id.replaceAll(':', ' ')}`, command: render(command).replace(/^\$ /, ''), exit: exit ? Number(exit[1]) : 0, output: []})
    }
  }
  return examples
}

/** Whether `expected` lines appear in order among `actual`'s (`...` skips, `…` is any text). */
function missingLine(expected: string[], actual: string): string | null {
  const lines = actual.split('\n').map((l) => l.trimEnd())
  let at = 0
  for (const want of expected) {
    if (want.trim() === '...') continue
    const pattern = new RegExp(`^${want.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
    const found = lines.findIndex((l, i) => i >= at && pattern.test(l))
    if (found < 0) return want
    at = found + 1
  }
  return null
}

// Examples run a few at a time: each starts node and plugin hosts, on a 2-core machine.
let running = 0
const waiting: Array<() => void> = []
async function slot<T>(work: () => Promise<T>): Promise<T> {
  while (running >= 3) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await work()
  } finally {
    running--
    waiting.shift()?.()
  }
}

let runs = 0
async function runExample(e: Example): Promise<Ran> {
  await prepared
  return slot(async () => {
    const dir = join(ROOT, 'runs', String(runs++))
    mkdirSync(dir, {recursive: true})
    cpSync(join(TEMPLATE, 'work'), join(dir, 'work'), {recursive: true, verbatimSymlinks: true})
    symlinkSync(join(projectRoot, '..', 'shared'), join(dir, 'shared'))
    return sh(e.command, join(dir, 'work'))
  })
}

const readme = readmeExamples()
const help = await helpExamples()

test('the README and the --help of every command have examples to run', (t) => {
  t.true(readme.length >= 6, `README examples: ${readme.map((e) => e.command).join('; ')}`)
  const documented = new Set(help.map((e) => e.source))
  for (const id of ['info', 'convert', 'record', 'replay', 'print', 'plugin info', 'plugin fields', 'demo', 'autocomplete']) t.true(documented.has(`--help of ${id}`), `no example in the --help of ${id}`)
})

for (const e of [...readme, ...help]) {
  test(`${e.source}: ${e.command}`, async (t) => {
    const r = await runExample(e)
    t.is(r.status, e.exit, `exit ${r.status}, documented ${e.exit}:\n${r.output}`)
    const missing = missingLine(e.output, r.output)
    t.is(missing, null, `the README shows ${JSON.stringify(missing)}; the command printed:\n${r.output}`)
  })
}

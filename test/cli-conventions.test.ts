// oclif's conventions through oclif's own plugins: `help`, `-h`, a mistyped command answered
// with the closest one (in a terminal: a real pty, through util-linux `script`), shell
// completion, help text that oclif wraps once; and the progress bar's line.
import test from 'ava'
import {spawn, spawnSync} from 'node:child_process'
import {join} from 'node:path'

import {Config} from '@oclif/core'

import {thousands} from '../commands/support/output.js'
import {eta, renderProgress} from '../commands/support/progress.js'
import {cli, plain, projectRoot, tempDir} from './helpers.js'

const RUN = join(projectRoot, 'bin', 'run.js')

test('help: `help`, `help <command>`, `-h` and `--help` print the same help', async (t) => {
  const [long, short, viaHelp] = await Promise.all([cli(['replay', '--help']), cli(['replay', '-h']), cli(['help', 'replay'])])
  t.is(long.status, 0)
  t.regex(long.stdout, /^USAGE\n {2}\$ scaptool replay CAPTURE \(-p lib\.so\.\.\. \| -c falco\.yaml\) \[flags\]$/m)
  t.is(short.stdout, long.stdout)
  t.is(viaHelp.stdout, long.stdout)
  const top = await cli(['help'])
  t.is(top.status, 0)
  for (const id of ['info', 'convert', 'record', 'replay', 'print', 'demo', 'autocomplete', 'help']) t.regex(top.stdout, new RegExp(`^ {2}${id} +\\S`, 'm'))
  t.regex(top.stdout, /^ {2}plugin +Inspect plugin libraries/m)
})

test('a mistyped command is named as unknown, exit 127 (no terminal: no question)', async (t) => {
  const r = await cli(['recrod'])
  t.is(r.status, 127)
  t.regex(plain(r.stderr), /recrod is not a scaptool command/)
  t.regex(plain(r.stderr), /Run scaptool help for a list of available commands/)
})

test('in a terminal, a mistyped command asks for the closest one and runs it when accepted', async (t) => {
  // `script` gives the CLI a real terminal; the answer is typed once the question shows.
  const child = spawn('script', ['-qfec', `${process.execPath} ${RUN} recrod`, '/dev/null'], {cwd: tempDir(), stdio: ['pipe', 'pipe', 'pipe'], env: {...process.env, TERM: 'xterm', COLUMNS: '120'}})
  let screen = ''
  let answered = false
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    screen += d
    if (!answered && screen.includes('Did you mean')) {
      answered = true
      child.stdin.write('y\r')
    }
  })
  const timer = setTimeout(() => child.kill(), 60_000)
  const status = await done
  clearTimeout(timer)
  // eslint-disable-next-line no-control-regex
  const text = plain(screen)
  t.regex(text, /Did you mean record\?/)
  // accepted: `record` ran, and asked for what it needs
  t.regex(text, /Missing required flag output/)
  t.is(status, 2)
})

test('shell completion (bash) completes commands and flags from the command list', async (t) => {
  const home = tempDir()
  const env = {HOME: home, XDG_CACHE_HOME: join(home, '.cache')}
  const r = await cli(['autocomplete', 'bash'], {env})
  t.is(r.status, 0, r.stderr)
  t.regex(r.stdout, /scaptool autocomplete script bash/)
  const script = join(home, '.cache', 'scaptool', 'autocomplete', 'functions', 'bash', 'scaptool.bash')
  const complete = (words: string[]) => {
    const cmd = `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _scaptool_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
    return spawnSync('bash', ['-c', cmd], {encoding: 'utf8'}).stdout.trim().split('\n')
  }
  t.deepEqual(complete(['scaptool', 'rec']), ['record'])
  t.deepEqual(complete(['scaptool', 'replay', '--list-f']), ['--list-fields'])
  t.true(complete(['scaptool', 'plugin', '']).includes('info'))
})

test('descriptions are written unwrapped (one paragraph per line): oclif wraps them once', async (t) => {
  const config = await Config.load({root: projectRoot})
  for (const c of config.commands.filter((c) => c.pluginType === 'core')) {
    const cmd = await c.load()
    const lines = (cmd.description ?? '').split('\n')
    // a hard-wrapped paragraph has a line ending mid-sentence followed by a non-empty line
    for (let i = 0; i + 1 < lines.length; i++) {
      if (lines[i] === '' || lines[i + 1] === '') continue
      // list items (`0: success`) and section headings (`EXIT CODES`, `RULES MODE (...)`) stand alone
      const listLike = /^(\d+: |[-*] )/.test(lines[i + 1]) || /^[A-Z]{2,}( [A-Z]{2,})*( \(.*\))?$/.test(lines[i])
      t.true(listLike, `${c.id}: "${lines[i]}" continues on the next line: "${lines[i + 1]}"`)
    }
  }
  // at 80 columns, a paragraph is wrapped by oclif: no line is cut short before the margin
  const help = await cli(['replay', '--help'], {env: {COLUMNS: '80'}})
  const description = help.stdout.slice(help.stdout.indexOf('DESCRIPTION'), help.stdout.indexOf('EXAMPLES'))
  const paragraph = description.split('\n\n').find((p) => p.includes('batching probe extracts once more'))!
  const rows = paragraph.split('\n')
  t.true(rows.length > 2)
  for (const row of rows.slice(0, -1)) t.true(row.length > 60, `a short line inside a paragraph: ${JSON.stringify(row)}`)
})

test('the progress bar fits the terminal, shows the percentage once, an ETA and the pass', (t) => {
  for (const columns of [20, 40, 50, 80, 200]) {
    const line = renderProgress({label: 'replaying', pass: 'forward + reverse + shuffled', fraction: 0.25, elapsedMs: 30_000, detail: '1,234,567 events · dummy: 12 files left', columns})
    t.true([...line].length <= columns - 1, `${columns}: ${line}`)
    // however narrow, the label and the percentage show; the pass when there is room
    t.regex(line, /^replaying .* 25\.0%/, line)
    t.is(line.match(/%/g)?.length, 1, line)
    if (columns >= 80) t.true(line.startsWith('replaying (forward + reverse + shuffled) █'), line)
    if (columns >= 80) t.regex(line, / 25\.0% ETA 1m30s · /)
    if (columns >= 200) t.regex(line, / 25\.0% ETA 1m30s · 1,234,567 events · dummy: 12 files left$/)
  }
  t.is(eta(0.5, 500), '', 'no ETA before a second has passed')
  t.is(eta(0.5, 3_600_000), 'ETA 1h00m')
  // unknown total: no bar, no percentage
  t.is(renderProgress({label: 'recording', fraction: null, elapsedMs: 5000, detail: '100 events', columns: 80}), 'recording · 100 events')
})

test('counts are grouped by thousands as en-US writes them (without loading ICU)', (t) => {
  const values = [0, 7, 999, 1000, 65_535, 999_999, 1_000_000, 2_000_000, 123_456_789, -1, -1234, -999_999, Number.MAX_SAFE_INTEGER]
  for (let n = 1; n < 1e15; n = n * 7 + 3) values.push(n, -n)
  for (const n of values) t.is(thousands(n), n.toLocaleString('en-US'), String(n))
  t.is(thousands(2n ** 64n), (2n ** 64n).toLocaleString('en-US'))
})

test('repeatable flags take one value each: the words after them stay arguments', async (t) => {
  const capture = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
  const lib = join(projectRoot, 'fixtures', 'plugins', 'build', 'libdummy_c.so')
  const rules = join(projectRoot, 'fixtures', 'rules', 'dummy_rules.yaml')
  const rulesFirst = await cli(['replay', '-r', rules, capture, '-p', lib])
  t.is(rulesFirst.status, 0, rulesFirst.stderr)
  t.regex(rulesFirst.stdout, /^Events detected: 3$/m)
  const fieldFirst = await cli(['replay', '-f', 'dummy.divisible[3]', capture, '-p', lib, '--json'])
  t.is(fieldFirst.status, 0, fieldFirst.stderr)
  t.true((JSON.parse(fieldFirst.stdout) as {columns: Array<{column: string}>}).columns.some((c) => c.column === 'dummy.divisible[3]'))
  const pluginFirst = await cli(['print', capture, '-p', lib, 'dummy.divisible[3] = 1 and evt.num < 10', '-o', '%evt.num %dummy.value'])
  t.is(pluginFirst.stdout, '2 9\n6 30\n8 48\n', pluginFirst.stderr)
  // record has no arguments: a second word after -x is an error, not a second extractor
  const stray = await cli(['record', '-p', lib, '-x', lib, 'stray.so', '-o', join(tempDir(), 'x.scap')])
  t.is(stray.status, 2)
  t.regex(stray.stderr, /Unexpected argument: stray\.so/)
})

test('print without flags takes the direct path (oclif never loads) and answers as the oclif path does', async (t) => {
  const capture = join(projectRoot, 'fixtures', 'captures', 'dummy_c-sysdig.scap')
  // NODE_DEBUG=module names every CommonJS module loaded (oclif is one) on stderr
  const debug = {NODE_DEBUG: 'module'}
  const withoutDebug = (stderr: string) => stderr.split('\n').filter((l) => !l.startsWith('MODULE ')).join('\n')
  const forms = [
    [capture],
    // a filter word repeated: oclif's own argv used to move it (`evt.num evt.num > 3 and < 6`)
    [capture, 'evt.num', '>', '3', 'and', 'evt.num', '<', '6'],
    [capture, 'evt.num <'],
    [capture, 'nosuch.field = 1'],
    [join(projectRoot, 'missing.scap')],
    [join(projectRoot, 'README.md')],
  ]
  for (const args of forms) {
    // a flag (here one that sets the default) sends the same command line through oclif
    const [direct, viaOclif] = await Promise.all([cli(['print', ...args], {env: debug}), cli(['print', '--timezone', 'UTC', ...args], {env: debug})])
    t.false(direct.stderr.includes('@oclif/core'), `print ${args.join(' ')} loaded oclif`)
    t.true(viaOclif.stderr.includes('@oclif/core'))
    t.is(direct.status, viaOclif.status, args.join(' '))
    t.is(direct.stdout, viaOclif.stdout, args.join(' '))
    t.is(withoutDebug(direct.stderr), withoutDebug(viaOclif.stderr), args.join(' '))
  }
  // no ES module either: the direct path is one CommonJS bundle (dist/cli.cjs)
  const esm = {NODE_DEBUG: 'esm'}
  const [plain, flagged] = await Promise.all([cli(['print', capture, 'evt.num < 3'], {env: esm}), cli(['print', '--timezone', 'UTC', capture, 'evt.num < 3'], {env: esm})])
  t.is(plain.stdout, flagged.stdout)
  t.notRegex(plain.stderr, /^ESM /m)
  t.regex(flagged.stderr, /^ESM .*@oclif\/core/m)
  const repeated = await cli(['print', capture, 'evt.num', '>', '3', 'and', 'evt.num', '<', '6', '-o', '%evt.num'])
  t.is(repeated.status, 0, repeated.stderr)
  t.is(repeated.stdout, '4\n5\n')
})

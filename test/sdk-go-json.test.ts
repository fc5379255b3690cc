// The auditlike Go fixture (plugin-sdk-go v0.8.3): Kubernetes-audit-like JSON events (about 2 KB,
// quotes, backslashes, tabs, non-ASCII, absent keys, lists of every length) and a JSON-pointer
// extractor. scaptool records it live; then `scaptool print` and current libsinsp (the oracle's
// sinsp-example) print the capture with formats that read many fields at once (several
// json.value pointers, which share one field id and so one SDK buffer: the values are right only
// when each field is asked in its own call, as libsinsp does) and with filters, line for line;
// and the capture replays against its golden file.
import test, {type ExecutionContext} from 'ava'
import {join} from 'node:path'

import {inspectPlugin} from '../src/index.js'
import {cli, plugin, tempDir} from './helpers.js'
import {difference, oraclePrint, scaptoolCli, type PrintCase} from './print-oracle.js'

const AUDITLIKE = plugin('go/libauditlike.so')
const INIT = '{"seed":5}'
const PLUGINS = [{path: AUDITLIKE, initConfig: INIT}]
const EVENTS = 300
/** Fields with arguments the golden file records (the replay compares them too). */
const ARG_FIELDS = ['json.value[/verb]', 'json.value[/user/username]', 'json.value[/objectRef/resource]', 'ka.uri.param[container]', 'ka.annotation[authorization.k8s.io/reason]', 'ka.user.groups[0]', 'ka.sourceips[1]']

const dir = tempDir('scaptool-go-json-')
const capture = join(dir, 'auditlike.scap')

test.before(async () => {
  const r = await cli(['record', '-p', AUDITLIKE, '--init-config', INIT, '--open-params', `{"maxEvents":${EVENTS}}`, '-o', capture, '--json', ...ARG_FIELDS.flatMap((f) => ['--field', f])])
  if (r.status !== 0) throw new Error(`record exited ${r.status}: ${r.stdout}${r.stderr}`)
  const summary = JSON.parse(r.stdout) as {events: number}
  if (summary.events !== EVENTS) throw new Error(`recorded ${summary.events} events, expected ${EVENTS}`)
})

/** Both sides must print the same lines (or refuse the same part); returns the line count. */
async function agree(t: ExecutionContext, c: Omit<PrintCase, 'capture' | 'plugins'>): Promise<number> {
  const full: PrintCase = {capture, plugins: PLUGINS, ...c}
  const want = oraclePrint(full)
  const got = await scaptoolCli(full)
  const diff = difference(want, got)
  if (diff !== undefined) t.fail(`${c.json ? '-j ' : ''}-o '${c.format}'${c.filter ? ` '${c.filter}'` : ''}\n${diff}`)
  else t.is(got.refused, want.refused)
  return got.lines.length
}

// ---- formats: many fields per event ----

const MANY =
  '*%evt.num %evt.time %ka.verb %json.value[/verb] %json.value[/user/username] %json.value[/objectRef/resource] ' +
  '%json.value[/objectRef/namespace] %json.value[/responseStatus/code] %json.value[/sourceIPs/0] %json.value[/user/groups] ' +
  '%ka.user.groups %ka.user.groups[0] %ka.sourceips %ka.sourceips[1] %ka.response.code %ka.response.failed %ka.latency ' +
  '%json.rawtime %ka.stage.timestamp %ka.req.pod.containers.image %ka.req.pod.containers.privileged %ka.req.pod.containers.ports ' +
  '%ka.is_privileged %ka.uri.param[container] %ka.uri.param[command] %ka.annotation[authorization.k8s.io/reason] ' +
  '%ka.req.label[app.kubernetes.io/name] %evt.plugininfo'

/** Nested values as text: objects and arrays as written, strings with tabs, quotes, newlines. */
const NESTED =
  '*%evt.num %json.value[/requestObject/spec/containers/0] %json.value[/annotations] %json.value[/user/extra/iam.gke.io~1user-assertion/0] ' +
  '%json.value[/requestObject/data/nginx.conf] %json.value[/userAgent] %json.value[/requestURI] %json.value[/responseObject/items]'

/** Quoted key arguments: libsinsp unquotes them (the JSON keys too). */
const QUOTED = `*%evt.num %json.value["/user/username"] %ka.req.label['app.kubernetes.io/name'] %json.value["/annotations/authorization.k8s.io~1reason"]`

/** Without `*`: only events where every field has a value print. */
const STRICT = '%evt.num %ka.verb %ka.target.namespace %ka.target.name %ka.response.code %json.value[/objectRef/apiVersion] %ka.sourceips'

for (const json of [false, true]) {
  const j = json ? ' (-j)' : ''
  test(`many fields at once, several json.value pointers among them${j}`, async (t) => {
    t.is(await agree(t, {format: MANY, json}), EVENTS)
  })
  test(`nested values as text${j}`, async (t) => {
    t.true((await agree(t, {format: NESTED, json})) >= EVENTS)
  })
  test(`quoted key arguments${j}`, async (t) => {
    t.is(await agree(t, {format: QUOTED, json}), EVENTS)
  })
  test(`a format without * prints only complete lines${j}`, async (t) => {
    const n = await agree(t, {format: STRICT, json})
    t.true(n > 50 && n < EVENTS, `${n} complete lines`)
  })
}

test('every field without a required argument, in one format (text and -j)', async (t) => {
  const {info} = await inspectPlugin(AUDITLIKE, {initConfig: INIT})
  const names = info.fields.filter((f) => !f.arg?.isRequired).map((f) => `%${f.name}`)
  t.true(names.length >= 35, `${names.length} fields`)
  const format = `*%evt.num ${names.join(' ')}`
  t.is(await agree(t, {format}), EVENTS)
  t.is(await agree(t, {format, json: true}), EVENTS)
})

// ---- filters ----

const SHORT = '*%evt.num %ka.verb %ka.user.name %ka.target.namespace %ka.response.code %ka.sourceips %ka.user.groups'

const FILTERS = [
  'ka.verb = create',
  'json.value[/stage] = ResponseComplete and ka.response.code >= 400',
  'ka.user.groups intersects (system:masters, "équipe-ops")',
  'ka.user.groups in (system:masters, system:authenticated)',
  'ka.target.namespace in (prod, kube-system)',
  'ka.impuser.name exists',
  'not ka.response.code exists',
  'ka.target.subresource exists and ka.uri.param[container] exists',
  'json.value[/annotations/authorization.k8s.io~1decision] = forbid',
  'ka.sourceips intersects (10.0.0.12, "::1")',
  'ka.latency > 500000000 and ka.response.failed = false',
  'ka.is_privileged = true and ka.req.pod.host_network = false',
  'ka.req.pod.containers.ports intersects (80, 443)',
  'ka.req.pod.containers.privileged intersects (true)',
  'json.value[/user/username] contains "\\""',
  'json.value[/user/username] contains "\\\\j"',
  'ka.useragent contains "\t"',
  'ka.user.name = "ci\\tbot" or ka.user.groups intersects ("robots\\tteam")',
  'ka.annotation[authorization.k8s.io/reason] = ""',
  'json.value[/sourceIPs/0] = "::ffff:10.0.0.1"',
  'json.value[/user/groups] exists and not json.value[/user/groups/1] exists',
  'json.rawtime > 1768467603000000000',
  'ka.user.name icontains ADMIN or ka.user.name startswith "運用"',
  'json.value[/verb] in (get, list, watch) and ka.useragent startswith kubectl',
  'ka.req.label[app.kubernetes.io/name] exists',
  // refused by both: list fields take in, intersects and exists only
  'ka.user.groups contains system:masters',
  'ka.sourceips[0] = 10.0.0.1',
]

for (const filter of FILTERS) {
  test(`filter: ${filter}`, async (t) => {
    await agree(t, {filter, format: SHORT})
  })
}

test('filters with many fields in the format, -j', async (t) => {
  for (const filter of ['ka.verb = create', 'json.value[/stage] = ResponseComplete and ka.response.code >= 400', 'ka.target.namespace in (prod, kube-system)']) {
    t.true((await agree(t, {filter, format: MANY, json: true})) > 0, filter)
  }
})

test('the filters select real subsets (the cases are not vacuous)', async (t) => {
  const count = async (filter: string) => (await scaptoolCli({capture, plugins: PLUGINS, filter, format: '%evt.num'})).lines.length
  for (const filter of FILTERS.slice(0, 12)) {
    const n = await count(filter)
    t.true(n > 0 && n < EVENTS, `${filter}: ${n} of ${EVENTS}`)
  }
})

// ---- replay ----

test('the capture replays against its golden file; the batching probe sees the SDK buffer sharing', async (t) => {
  const r = await cli(['replay', capture, '-p', AUDITLIKE, '--init-config', INIT, '--json'])
  t.is(r.status, 0, r.stdout + r.stderr)
  const report = JSON.parse(r.stdout) as {passed: boolean; events: number; columns: Array<{column: string; mismatches: number}>; batching: Array<{plugin: string; columns: string[]}>}
  t.true(report.passed)
  t.is(report.events, EVENTS)
  for (const f of ARG_FIELDS) t.like(report.columns.find((c) => c.column === f), {column: f, mismatches: 0})
  // json.value[/verb] and [/user/username] are asked before [/objectRef/resource]: in one call
  // they would read its value
  const probe = report.batching.find((b) => b.plugin === 'auditlike')
  t.truthy(probe, r.stdout)
  t.true(probe!.columns.includes('json.value[/verb]') && probe!.columns.includes('json.value[/user/username]'), probe!.columns.join(', '))
  const text = await cli(['replay', capture, '-p', AUDITLIKE, '--init-config', INIT])
  t.is(text.status, 0)
  t.regex(text.stdout, /^PASS$/m)
})

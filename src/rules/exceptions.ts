// Falco rule `exceptions`: named sets of field tuples whose matching values suppress a rule's
// alert. Falco treats them as sugar over the condition (rule_loader_compiler.cpp, Falco 0.28+),
// and so does scaptool, so that the alerts are the ones Falco would give:
//
//   (<condition>) and not (f in (v1, v2))                       one field: comps defaults to `in`
//   (<condition>) and not ((f1 = a and f2 = b) or (f1 = c ...)) several fields: comps default `=`
//
// one `and not (...)` per exception that has values. Values are written into the condition as
// Falco writes them: quoted only when they contain a space and are not quoted already (so a
// value with a comma splits, as in Falco); a plain value compared with a list operator (`in`,
// `intersects`, `pmatch`) is put in parentheses, which makes a list name expand; a YAML list
// value becomes `(a, b)`.
import {isMap, isScalar, isSeq, type Node, type YAMLMap} from 'yaml'

/** One value of an exception tuple: a string, or a list of strings (for list operators). */
export type ExceptionValue = string | string[]

export interface RuleException {
  name: string
  /** One field (values are a list of strings) or several (values are tuples). Undefined when
   * an appending item only adds values. */
  fields?: string | string[]
  comps?: string | string[]
  values: Array<string | ExceptionValue[]>
  /** `file:line:col` of the item, and the YAML node for error positions. */
  where: string
  node: Node
}

/** Operators of the filter grammar (libsinsp `parser::supported_operators()`). */
const OPERATORS = ['=', '==', '!=', '<=', '>=', '<', '>', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', 'endswith', 'glob', 'iglob', 'regex', 'in', 'intersects', 'pmatch', 'exists']
/** Operators whose right-hand side is a list (`supported_operators(true)`). */
const LIST_OPERATORS = ['in', 'intersects', 'pmatch']

type Fail = (node: Node | null | undefined, message: string) => Error

/** Reads a rule's `exceptions:` list. Shapes are checked here; defaults and consistency are
 * checked by `checkException` once it is known whether the item defines or appends. */
export function readExceptions(node: Node, rule: string, where: (n: Node) => string, bad: Fail, warn: (node: Node, message: string) => void): RuleException[] {
  if (isScalar(node) && node.value === null) return []
  if (!isSeq(node)) throw bad(node, `rule '${rule}': 'exceptions' must be a list of {name, fields, comps, values}`)
  const names = new Set<string>()
  return node.items.map((item) => {
    if (!isMap(item)) throw bad(item as Node, `rule '${rule}': an exception is a mapping {name, fields, comps, values}`)
    const map = item as YAMLMap
    const get = (key: string) => map.items.find((p) => isScalar(p.key) && p.key.value === key)?.value as Node | undefined
    const nameNode = get('name')
    if (!isScalar(nameNode) || nameNode.value === null || typeof nameNode.value === 'object') throw bad(map, `rule '${rule}': an exception needs a 'name'`)
    const name = String(nameNode.value)
    // Falco keeps both (an append adds values to the first one) and warns.
    if (names.has(name)) warn(map, `rule '${rule}' exception '${name}': Multiple definitions of exception '${name}' in the same rule`)
    names.add(name)
    const what = `rule '${rule}' exception '${name}'`
    const stringOrList = (key: string): string | string[] | undefined => {
      const v = get(key)
      if (v === undefined || (isScalar(v) && v.value === null)) return undefined
      if (isScalar(v)) return String(v.value)
      if (isSeq(v)) return v.items.map((x) => scalar(x as Node, `${what}: '${key}' items must be strings`))
      throw bad(v, `${what}: '${key}' must be a string or a list of strings`)
    }
    const scalar = (x: Node, message: string): string => {
      if (!isScalar(x) || x.value === null || typeof x.value === 'object') throw bad(x, message)
      return String(x.value)
    }
    const valuesNode = get('values')
    let values: RuleException['values'] = []
    if (valuesNode !== undefined && !(isScalar(valuesNode) && valuesNode.value === null)) {
      if (!isSeq(valuesNode)) throw bad(valuesNode, `${what}: 'values' must be a list`)
      values = valuesNode.items.map((v) => {
        if (!isSeq(v)) return scalar(v as Node, `${what}: a value must be a string or a list`)
        return v.items.map((x) => (isSeq(x) ? x.items.map((y) => scalar(y as Node, `${what}: list values hold strings`)) : scalar(x as Node, `${what}: tuple items are strings or lists of strings`)))
      })
    }
    return {name, fields: stringOrList('fields'), comps: stringOrList('comps'), values, where: where(map), node: map}
  })
}

/** Checks a defining exception (as Falco's `validate_exception_info`) and fills in comps. */
export function checkException(ex: RuleException, rule: string, bad: Fail): void {
  const what = `rule '${rule}' exception '${ex.name}'`
  if (ex.fields === undefined || (Array.isArray(ex.fields) && ex.fields.length === 0)) throw bad(ex.node, `${what}: 'fields' must name a field or a list of fields`)
  if (Array.isArray(ex.fields)) {
    ex.comps ??= ex.fields.map(() => '=')
    if (!Array.isArray(ex.comps) || ex.comps.length !== ex.fields.length) throw bad(ex.node, `${what}: 'fields' and 'comps' must be lists of the same length`)
    for (const c of ex.comps) if (!OPERATORS.includes(c)) throw bad(ex.node, `${what}: '${c}' is not a comparison operator (${OPERATORS.join(' ')})`)
    checkValues(ex, what, bad)
  } else {
    ex.comps ??= 'in'
    if (Array.isArray(ex.comps)) throw bad(ex.node, `${what}: with one field ('fields' a string), 'comps' must be a string too`)
    if (!LIST_OPERATORS.includes(ex.comps)) throw bad(ex.node, `${what}: with one field, 'comps' must be a list operator (${LIST_OPERATORS.join(', ')}), not '${ex.comps}'`)
    checkValues(ex, what, bad)
  }
}

/** Values fit the fields: strings for one field, tuples of the fields' length for several. */
export function checkValues(ex: RuleException, what: string, bad: Fail): void {
  for (const v of ex.values) {
    if (Array.isArray(ex.fields)) {
      if (!Array.isArray(v)) throw bad(ex.node, `${what}: with a list of fields, each value is a list of ${ex.fields.length} (found '${v}')`)
      if (v.length !== ex.fields.length) throw bad(ex.node, `${what}: value [${v.join(', ')}] has ${v.length} items for ${ex.fields.length} fields`)
    } else if (Array.isArray(v)) {
      throw bad(ex.node, `${what}: with one field, values are strings (found a list [${v.join(', ')}])`)
    }
  }
}

/** Merges the exceptions of an appending item into a rule's: values are added to an exception
 * of the same name (which must then not restate fields or comps); others are new exceptions. */
export function appendExceptions(into: RuleException[], added: RuleException[], rule: string, bad: Fail): void {
  for (const ex of added) {
    const prev = into.find((e) => e.name === ex.name)
    const what = `rule '${rule}' exception '${ex.name}'`
    if (!prev) {
      if (ex.values.length === 0) throw bad(ex.node, `${what}: a new exception added by append needs 'values'`)
      checkException(ex, rule, bad)
      into.push(ex)
      continue
    }
    if (ex.fields !== undefined) throw bad(ex.node, `${what}: an append can add values to an existing exception, not 'fields'`)
    if (ex.comps !== undefined) throw bad(ex.node, `${what}: an append can add values to an existing exception, not 'comps'`)
    checkValues({...ex, fields: prev.fields}, what, bad)
    prev.values.push(...ex.values)
  }
}

/** The text that follows a rule's parenthesised condition for its exceptions, piece by piece
 * (one piece per exception with values), so that errors can be traced back to each one. */
export function exceptionClauses(exceptions: RuleException[]): Array<{exception: RuleException; text: string}> {
  const out: Array<{exception: RuleException; text: string}> = []
  for (const ex of exceptions) {
    if (ex.values.length === 0) continue
    let text: string
    if (!Array.isArray(ex.fields)) {
      text = `(${ex.fields} ${ex.comps as string} (${(ex.values as string[]).map(quoteItem).join(', ')}))`
    } else {
      const fields = ex.fields
      const comps = ex.comps as string[]
      const tuples = (ex.values as ExceptionValue[][]).map((tuple) => `(${fields.map((f, k) => `${f} ${comps[k]} ${valueText(tuple[k], comps[k])}`).join(' and ')})`)
      text = `(${tuples.join(' or ')})`
    }
    out.push({exception: ex, text: ` and not ${text}`})
  }
  return out
}

function valueText(v: ExceptionValue, comp: string): string {
  if (Array.isArray(v)) return `(${v.map(quoteItem).join(', ')})`
  if (LIST_OPERATORS.includes(comp)) return v.startsWith('(') ? v : `(${v})`
  return quoteItem(v)
}

/** Falco quotes a value only when it holds a space and is not quoted already. */
function quoteItem(v: string): string {
  return v.includes(' ') && v[0] !== '"' && v[0] !== "'" ? `"${v}"` : v
}

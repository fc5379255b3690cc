// The positional words of a command line, in the order given. oclif's own `argv` (with
// `strict = false`) lists the named arguments' values first and then the other words, moved
// around when one repeats a named one: `print c.scap evt.num > 3 and evt.num < 6` came out as
// `evt.num evt.num > 3 and < 6`. Its `raw` tokens keep the order.

export function positionalWords(raw: ReadonlyArray<{type: string; input: string}>): string[] {
  return raw.filter((t) => t.type === 'arg').map((t) => t.input)
}

// JSON for scaptool's results: they hold bigints (timestamps in ns) and typed errors, which
// JSON.stringify refuses or flattens to {}. `--json` prints exactly this.

/**
 * JSON text of `value` with bigints as decimal strings (a timestamp in ns does not fit a JSON
 * number without losing digits) and errors as their `toJSON()` (ScapError, PluginError...) or
 * `{name, message}`. `indent` as JSON.stringify's (default 2).
 */
export function toJson(value: unknown, indent: number | string = 2): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString()
      if (v instanceof Error) {
        const withJson = v as Error & {toJSON?: () => unknown}
        return withJson.toJSON ? withJson.toJSON() : {name: v.name, message: v.message}
      }
      return v
    },
    indent,
  )
}

/** ns since the epoch → ISO 8601 UTC with nanoseconds (`2020-09-13T12:26:40.000004000Z`). */
export function isoNanos(ns: bigint): string {
  const seconds = ns / 1_000_000_000n
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0')
  const whole = ns < 0n && frac !== '000000000' ? seconds - 1n : seconds
  return `${new Date(Number(whole) * 1000).toISOString().slice(0, 19)}.${frac}Z`
}

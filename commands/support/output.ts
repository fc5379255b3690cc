// Output helpers: JSON that survives bigints and errors, and human-readable numbers.

/** JSON.stringify with bigints as decimal strings and errors as their toJSON or message. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) => {
      if (typeof v === 'bigint') return v.toString()
      if (v instanceof Error) {
        const withJson = v as Error & {toJSON?: () => unknown}
        return withJson.toJSON ? withJson.toJSON() : {name: v.name, message: v.message}
      }
      return v
    },
    2,
  )
}

export function thousands(n: number | bigint): string {
  return n.toLocaleString('en-US')
}

/** ns since the epoch → ISO 8601 UTC with nanoseconds. */
export function isoNanos(ns: bigint): string {
  const ms = ns / 1_000_000n
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0')
  const base = new Date(Number(ms)).toISOString().slice(0, 19)
  return `${base}.${frac}Z`
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

/** Left-aligned columns for simple tables. */
export function table(rows: string[][], indent = '  '): string {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')
}

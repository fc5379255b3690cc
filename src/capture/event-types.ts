// Event type names from the native event table (libscap's), cached per type.
import {native} from '../native.js'

export interface EventTypeInfo {
  /** As sysdig prints %evt.type, e.g. `open`, `pluginevent`. */
  name: string
  /** `>` enter, `<` exit. */
  direction: '>' | '<'
  nparams: number
  largePayload: boolean
}

const cache = new Map<number, EventTypeInfo | null>()

export function eventTypeInfo(type: number): EventTypeInfo | undefined {
  let info = cache.get(type)
  if (info === undefined) {
    info = (native.eventTypeInfo(type) as EventTypeInfo | null) ?? null
    cache.set(type, info)
  }
  return info ?? undefined
}

/** `open`, `pluginevent`... or `unknown(N)`. */
export function eventTypeName(type: number): string {
  return eventTypeInfo(type)?.name ?? `unknown(${type})`
}

//! The libscap event table, as far as a capture reader needs it: names for display, the
//! parameter count (to infer `nparams` of v1 events) and the flag that decides the width of the
//! parameter-length array.

mod table_2022 {
    include!("event_types_2022.rs");
}

#[derive(Clone, Copy, Debug)]
pub struct EventTypeInfo {
    pub name: &'static str,
    pub nparams: u8,
    pub flags: u32,
}

/// Event flag: the parameter-length array holds u32 values instead of u16.
pub const EF_LARGE_PAYLOAD: u32 = 1 << 11;
/// Event flag: the code is reserved and never produced.
pub const EF_UNUSED: u32 = 1 << 6;

pub const PLUGINEVENT_E: u16 = 322;
pub const CONTAINER_JSON_2_E: u16 = 324;
pub const ASYNCEVENT_E: u16 = 402;

/// Number of event types of current libscap (`PPM_EVENT_MAX`); libsinsp drops events of a type
/// at or above it without giving them an event number.
pub const PPM_EVENT_MAX: u16 = 454;

/// Event types added after the 2022 table that a plugin capture may hold.
static LATER_TYPES: &[(u16, EventTypeInfo)] = &[
    (354, EventTypeInfo { name: "useradded", nparams: 6, flags: 0 }),
    (355, EventTypeInfo { name: "useradded", nparams: 0, flags: EF_UNUSED }),
    (356, EventTypeInfo { name: "userdeleted", nparams: 6, flags: 0 }),
    (357, EventTypeInfo { name: "userdeleted", nparams: 0, flags: EF_UNUSED }),
    (358, EventTypeInfo { name: "groupadded", nparams: 3, flags: 0 }),
    (359, EventTypeInfo { name: "groupadded", nparams: 0, flags: EF_UNUSED }),
    (360, EventTypeInfo { name: "groupdeleted", nparams: 3, flags: 0 }),
    (361, EventTypeInfo { name: "groupdeleted", nparams: 0, flags: EF_UNUSED }),
    (402, EventTypeInfo { name: "asyncevent", nparams: 3, flags: EF_LARGE_PAYLOAD }),
    (403, EventTypeInfo { name: "asyncevent", nparams: 0, flags: EF_UNUSED }),
];

/// What this reader knows about an event type, if anything.
pub fn info(event_type: u16) -> Option<&'static EventTypeInfo> {
    table_2022::TABLE_2022
        .get(event_type as usize)
        .or_else(|| LATER_TYPES.iter().find(|(t, _)| *t == event_type).map(|(_, i)| i))
}

/// Whether the parameter lengths of this event type are u32 (decided by the type, not by the
/// block type, exactly as libscap and libsinsp do).
#[inline]
pub fn has_large_payload(event_type: u16) -> bool {
    matches!(event_type, PLUGINEVENT_E | CONTAINER_JSON_2_E | ASYNCEVENT_E)
}

/// Whether libsinsp would deliver an event of this type (and give it an event number).
#[inline]
pub fn is_known_to_libsinsp(event_type: u16) -> bool {
    event_type < PPM_EVENT_MAX
}

/// Display name of an event type: the table name plus `>` for enter (even codes) or `<` for exit
/// (odd codes), as sysdig prints the direction; `unknown(N)` for codes outside the table.
pub fn display_name(event_type: u16) -> String {
    match info(event_type) {
        Some(i) => format!("{}{}", i.name, if event_type.is_multiple_of(2) { ">" } else { "<" }),
        None => format!("unknown({event_type})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_the_large_payload_rule() {
        assert_eq!(info(PLUGINEVENT_E).unwrap().name, "pluginevent");
        assert_eq!(info(PLUGINEVENT_E).unwrap().flags & EF_LARGE_PAYLOAD, EF_LARGE_PAYLOAD);
        assert_eq!(info(CONTAINER_JSON_2_E).unwrap().flags & EF_LARGE_PAYLOAD, EF_LARGE_PAYLOAD);
        for t in 0..336u16 {
            let table_says = info(t).unwrap().flags & EF_LARGE_PAYLOAD != 0;
            assert_eq!(table_says, has_large_payload(t), "type {t}");
        }
        assert!(has_large_payload(ASYNCEVENT_E));
        assert_eq!(display_name(3), "open<");
        assert_eq!(display_name(500), "unknown(500)");
    }
}

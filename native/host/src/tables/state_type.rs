//! `ss_plugin_state_type`: the types of table keys and fields, with libsinsp's names for them
//! (they appear in its error texts).

/// A known state type (`SS_PLUGIN_ST_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum StateType {
    I8 = 1,
    I16 = 2,
    I32 = 3,
    I64 = 4,
    U8 = 5,
    U16 = 6,
    U32 = 7,
    U64 = 8,
    Str = 9,
    Table = 10,
    Bool = 25,
}

impl StateType {
    pub fn from_raw(raw: u32) -> Option<StateType> {
        Some(match raw {
            1 => StateType::I8,
            2 => StateType::I16,
            3 => StateType::I32,
            4 => StateType::I64,
            5 => StateType::U8,
            6 => StateType::U16,
            7 => StateType::U32,
            8 => StateType::U64,
            9 => StateType::Str,
            10 => StateType::Table,
            25 => StateType::Bool,
            _ => return None,
        })
    }

    pub fn raw(self) -> u32 {
        self as u32
    }

    /// libsinsp's `libsinsp::state::type_name`.
    pub fn name(self) -> &'static str {
        match self {
            StateType::I8 => "int8",
            StateType::I16 => "int16",
            StateType::I32 => "int32",
            StateType::I64 => "int64",
            StateType::U8 => "uint8",
            StateType::U16 => "uint16",
            StateType::U32 => "uint32",
            StateType::U64 => "uint64",
            StateType::Str => "string",
            StateType::Table => "table",
            StateType::Bool => "bool",
        }
    }
}

/// libsinsp's `type_name` of a raw type, or its exception text for an unknown one.
pub fn type_name(raw: u32) -> Result<&'static str, String> {
    StateType::from_raw(raw)
        .map(StateType::name)
        .ok_or_else(|| format!("state::type_name invoked for unsupported type_id: {raw}"))
}

/// The error libsinsp throws when a raw type has no C++ counterpart (`__PLUGIN_STATETYPE_SWITCH`).
pub fn unknown_type_error(raw: u32) -> String {
    format!("can't convert plugin state type to typeinfo: {raw}")
}

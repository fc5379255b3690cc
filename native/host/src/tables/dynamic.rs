//! The dynamic field values of one entry (libsinsp's `extensible_struct`): allocated lazily up
//! to the highest index written, each with its definition's type. A field never written reads
//! as zero (a string as "").

use std::ffi::c_char;

use super::field::FieldDefs;
use super::state_type::{unknown_type_error, StateType};
use super::text::CText;
use crate::abi::v3::StateData;

#[derive(Clone)]
struct DynValue {
    ty: u32,
    data: StateData,
    text: CText,
}

#[derive(Clone, Default)]
pub struct DynValues(Vec<DynValue>);

// SAFETY: `data` holds plain numbers (string values live in `text`).
unsafe impl Send for DynValues {}
unsafe impl Sync for DynValues {}

const EMPTY: &[u8; 1] = b"\0";

impl DynValues {
    /// Reads dynamic value `index` into `out` (already zeroed by the caller), as
    /// `read_entry_field` does for its type.
    pub fn read(&self, index: usize, ty: u32, out: &mut StateData) -> Result<(), String> {
        let st = StateType::from_raw(ty).ok_or_else(|| unknown_type_error(ty))?;
        let Some(v) = self.0.get(index) else {
            if st == StateType::Str {
                out.str = EMPTY.as_ptr() as *const c_char;
            }
            return Ok(());
        };
        // SAFETY: the union member of the definition's type, written by `write`.
        unsafe {
            match st {
                StateType::I8 => out.s8 = v.data.s8,
                StateType::I16 => out.s16 = v.data.s16,
                StateType::I32 => out.s32 = v.data.s32,
                StateType::I64 => out.s64 = v.data.s64,
                StateType::U8 => out.u8 = v.data.u8,
                StateType::U16 => out.u16 = v.data.u16,
                StateType::U32 => out.u32 = v.data.u32,
                StateType::U64 => out.u64 = v.data.u64,
                StateType::Bool => out.b = (v.data.b != 0) as u32,
                StateType::Str => out.str = v.text.as_ptr(),
                StateType::Table => return Err("dynamic fields of type table are not supported".into()),
            }
        }
        Ok(())
    }

    /// Writes dynamic value `index` from `input`, growing the values with their definitions'
    /// types.
    ///
    /// # Safety
    /// A string value in `input` is NULL or NUL-terminated.
    pub unsafe fn write(&mut self, defs: &FieldDefs, index: usize, ty: u32, input: &StateData) -> Result<(), String> {
        let st = StateType::from_raw(ty).ok_or_else(|| unknown_type_error(ty))?;
        if index >= defs.dynamic_count() {
            return Err(format!("dynamic struct access overflow: {index}"));
        }
        while self.0.len() <= index {
            let t = defs.dynamic_type(self.0.len()).unwrap_or(ty);
            self.0.push(DynValue { ty: t, data: StateData::ZERO, text: CText::default() });
        }
        let v = &mut self.0[index];
        v.ty = ty;
        let mut data = StateData::ZERO;
        // SAFETY: the member of the field's type; strings per the contract above.
        unsafe {
            match st {
                StateType::I8 => data.s8 = input.s8,
                StateType::I16 => data.s16 = input.s16,
                StateType::I32 => data.s32 = input.s32,
                StateType::I64 => data.s64 = input.s64,
                StateType::U8 => data.u8 = input.u8,
                StateType::U16 => data.u16 = input.u16,
                StateType::U32 => data.u32 = input.u32,
                StateType::U64 => data.u64 = input.u64,
                StateType::Bool => data.b = (input.b != 0) as u32,
                StateType::Str => v.text.set_c(input.str),
                StateType::Table => return Err("writing to table fields is currently not supported".into()),
            }
        }
        v.data = data;
        Ok(())
    }

    /// Host-side read of a dynamic string (`None` when never written).
    pub fn text(&self, index: usize) -> Option<&[u8]> {
        self.0.get(index).map(|v| v.text.as_bytes())
    }

    /// Host-side read of a dynamic number as its raw 8 bytes (`None` when never written).
    pub fn raw(&self, index: usize) -> Option<u64> {
        // SAFETY: every member is within the 8 bytes, zero-padded at write.
        self.0.get(index).map(|v| unsafe { v.data.u64 })
    }
}

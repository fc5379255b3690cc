//! TEMPORARY stub (being written by a helper).
use crate::error::Malformed;
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProcList { pub threads: Vec<()> }
pub fn parse(_body: &[u8], _version: u8) -> Result<ProcList, Malformed> { Ok(ProcList::default()) }

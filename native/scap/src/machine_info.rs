//! Machine Info block (MI, 0x201): one packed `scap_machine_info`, exactly 180 bytes.
//!
//! ```text
//! u32 num_cpus; u64 memory_size_bytes; u64 max_pid; char hostname[128];
//! u64 boot_ts_epoch (2022: reserved1); u64 flags (2022: reserved2); u64 reserved3; u64 reserved4
//! ```
//! libscap reads exactly 180 bytes and then the trailer, so any other body size is fatal there;
//! this reader refuses it too.

use crate::bytes::{le_u32, le_u64};
use crate::error::{ErrorKind, Malformed};

pub const BODY_LEN: usize = 180;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MachineInfo {
    pub num_cpus: u32,
    pub memory_size_bytes: u64,
    pub max_pid: u64,
    pub hostname: String,
    pub boot_ts_epoch: u64,
    pub flags: u64,
}

/// Parses an MI body (the bytes between block header and trailer).
pub fn parse(body: &[u8]) -> Result<MachineInfo, Malformed> {
    if body.len() != BODY_LEN {
        return Err(Malformed::new(
            ErrorKind::BadMetadata,
            0,
            format!("machine info block body is {} bytes; libscap requires exactly {BODY_LEN}", body.len()),
        ));
    }
    let host = &body[20..148];
    let host_len = host.iter().position(|&b| b == 0).unwrap_or(host.len());
    Ok(MachineInfo {
        num_cpus: le_u32(body, 0),
        memory_size_bytes: le_u64(body, 4),
        max_pid: le_u64(body, 12),
        hostname: String::from_utf8_lossy(&host[..host_len]).into_owned(),
        boot_ts_epoch: le_u64(body, 148),
        flags: le_u64(body, 156),
    })
}

/// The 180-byte body for `info` (the writer emits MI only when asked to).
pub fn to_body(info: &MachineInfo) -> [u8; BODY_LEN] {
    let mut out = [0u8; BODY_LEN];
    out[0..4].copy_from_slice(&info.num_cpus.to_le_bytes());
    out[4..12].copy_from_slice(&info.memory_size_bytes.to_le_bytes());
    out[12..20].copy_from_slice(&info.max_pid.to_le_bytes());
    let host = info.hostname.as_bytes();
    let n = host.len().min(127);
    out[20..20 + n].copy_from_slice(&host[..n]);
    out[148..156].copy_from_slice(&info.boot_ts_epoch.to_le_bytes());
    out[156..164].copy_from_slice(&info.flags.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_enforces_the_size() {
        let mi = MachineInfo {
            num_cpus: 2,
            memory_size_bytes: 1 << 30,
            max_pid: 4_194_304,
            hostname: "box".into(),
            boot_ts_epoch: 5,
            flags: 0,
        };
        assert_eq!(parse(&to_body(&mi)).unwrap(), mi);
        assert_eq!(parse(&[0u8; 176]).unwrap_err().kind, ErrorKind::BadMetadata);
    }
}

//! User list blocks: the machine's users and groups when the capture started.
//!
//! ```text
//! entries until fewer than 4 bytes remain:
//!   [UL_V2 (0x220) only: u32 entry_len, counting itself] u8 type, then
//!   type 0 (user):  u32 uid; u32 gid; str name; str homedir; str shell
//!   otherwise (group, written as 1): u32 gid; str name
//! ```
//! `str` is a u16 length and that many bytes, shorter than 256 bytes (libscap's
//! `MAX_CREDENTIALS_STR_LEN`, applied to all three user strings). UL v1 (0x206/0x8012ABCD) has
//! no entry length. libscap (`scap_read_userlist`) reads any non-zero type as a group, and so
//! does this parser.

use crate::error::{ErrorKind, Malformed};
use crate::proclist::{EntryLayout, Fields};

/// libscap refuses user and group strings of 256 bytes or more.
const MAX_STR: usize = 255;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct UserList {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    pub homedir: String,
    pub shell: String,
    /// Bytes at the end of a UL_V2 entry this parser does not know; skipped as libscap does.
    pub unknown_tail: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub gid: u32,
    pub name: String,
    /// Bytes at the end of a UL_V2 entry this parser does not know; skipped as libscap does.
    pub unknown_tail: u32,
}

/// Parses a UL body: `version` 1 (0x206/0x8012ABCD) or 2 (UL_V2, 0x220).
pub fn parse(body: &[u8], version: u8) -> Result<UserList, Malformed> {
    if !(1..=2).contains(&version) {
        return Err(Malformed::new(ErrorKind::BadMetadata, 0, format!("unknown user list version {version}")));
    }
    let layout = if version == 2 { EntryLayout::Sized { counts_itself: true } } else { EntryLayout::Packed };
    let mut list = UserList::default();
    Fields::each_entry(body, 0, layout, "user list", |f| {
        if f.u8("type")? == 0 {
            let mut user = User {
                uid: f.u32("uid")?,
                gid: f.u32("gid")?,
                name: f.str16("name", MAX_STR)?,
                homedir: f.str16("homedir", MAX_STR)?,
                shell: f.str16("shell", MAX_STR)?,
                unknown_tail: 0,
            };
            if version == 2 {
                user.unknown_tail = f.skip_rest();
            }
            list.users.push(user);
        } else {
            let mut group = Group { gid: f.u32("gid")?, name: f.str16("name", MAX_STR)?, unknown_tail: 0 };
            if version == 2 {
                group.unknown_tail = f.skip_rest();
            }
            list.groups.push(group);
        }
        Ok(())
    })?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proclist::tests::{put_str, sweep_garbage};

    fn with_len(version: u8, e: Vec<u8>) -> Vec<u8> {
        if version == 1 {
            return e;
        }
        let mut out = ((e.len() + 4) as u32).to_le_bytes().to_vec();
        out.extend(e);
        out
    }

    fn user(version: u8, uid: u32, name: &str, home: &str, shell: &str) -> Vec<u8> {
        let mut e = vec![0u8];
        e.extend_from_slice(&uid.to_le_bytes());
        e.extend_from_slice(&uid.to_le_bytes());
        put_str(&mut e, name.as_bytes());
        put_str(&mut e, home.as_bytes());
        put_str(&mut e, shell.as_bytes());
        with_len(version, e)
    }

    fn group(version: u8, gid: u32, name: &str) -> Vec<u8> {
        let mut e = vec![1u8];
        e.extend_from_slice(&gid.to_le_bytes());
        put_str(&mut e, name.as_bytes());
        with_len(version, e)
    }

    #[test]
    fn users_and_groups_in_both_versions() {
        for version in [1u8, 2] {
            let mut body = user(version, 0, "root", "/root", "/bin/bash");
            body.extend(group(version, 0, "root"));
            body.extend(user(version, 65534, "nobody", "/nonexistent", "/usr/sbin/nologin"));
            body.extend(group(version, 65534, "nogroup"));
            body.push(0);
            let ul = parse(&body, version).unwrap();
            assert_eq!((ul.users.len(), ul.groups.len()), (2, 2));
            assert_eq!(
                ul.users[0],
                User {
                    uid: 0,
                    gid: 0,
                    name: "root".into(),
                    homedir: "/root".into(),
                    shell: "/bin/bash".into(),
                    unknown_tail: 0
                }
            );
            assert_eq!(ul.groups[1], Group { gid: 65534, name: "nogroup".into(), unknown_tail: 0 });
        }
    }

    #[test]
    fn v2_skips_appended_fields() {
        let mut e = vec![1u8];
        e.extend_from_slice(&5u32.to_le_bytes());
        put_str(&mut e, b"tty");
        e.extend_from_slice(&[1, 2]);
        let ul = parse(&with_len(2, e), 2).unwrap();
        assert_eq!((ul.groups[0].name.as_str(), ul.groups[0].unknown_tail), ("tty", 2));
    }

    #[test]
    fn malformed_bodies() {
        // Entry length overrunning the block.
        let first = group(2, 1, "daemon");
        let mut second = group(2, 2, "bin");
        second[..4].copy_from_slice(&64u32.to_le_bytes());
        let mut body = first.clone();
        body.extend(second);
        let err = parse(&body, 2).unwrap_err();
        assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, first.len()));
        // Shell length overrunning the entry (v2) or block (v1): the shell "sh" ends the
        // entry, so its length prefix sits 4 bytes before the end.
        for version in [1u8, 2] {
            let mut body = user(version, 1, "u", "/", "sh");
            let len_at = body.len() - 4;
            body[len_at..len_at + 2].copy_from_slice(&3u16.to_le_bytes());
            let err = parse(&body, version).unwrap_err();
            assert_eq!((err.kind, err.at), (ErrorKind::BadMetadata, len_at), "v{version}: {}", err.message);
        }
        // A name over libscap's 255-byte limit.
        let long = "x".repeat(256);
        let err = parse(&group(1, 1, &long), 1).unwrap_err();
        assert_eq!(err.at, 5);
        assert!(parse(&group(1, 1, &long[..255]), 1).is_ok());
    }

    #[test]
    fn garbage_never_panics() {
        let mut b = user(2, 1000, "alice", "/home/alice", "/bin/zsh");
        b.extend(group(2, 1000, "alice"));
        sweep_garbage(&b, 1..=2, parse);
    }
}

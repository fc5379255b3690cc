//! Path joining and normalisation as libsinsp does it (`sinsp_utils::concatenate_paths`): a
//! relative path is appended to a directory, `.`/`..` segments and doubled separators are
//! resolved textually, a trailing separator is dropped, and the result never exceeds
//! `SCAP_MAX_PATH_SIZE` (an overlong pair becomes libsinsp's marker path).

/// libscap's `SCAP_MAX_PATH_SIZE`.
pub const MAX_PATH: usize = 4096;

/// Moves `tc` back to the start of the previous segment (`rewind_to_parent_path`).
fn rewind(out: &mut Vec<u8>, base: usize) {
    if out.len() <= base + 1 {
        return;
    }
    out.pop();
    while out.len() > base && out[out.len() - 1] != b'/' {
        out.pop();
    }
}

/// `copy_and_normalize_path`: appends `path` to `out`. `..` may climb back into what `out`
/// held before (the base is the buffer's start); a separator right at an empty start is kept
/// only if nothing was there before ("/foo/../a" → "/a" but "foo/../a" → "a").
fn copy_normalized(out: &mut Vec<u8>, path: &[u8]) {
    let base = 0usize;
    let empty_base = out.is_empty();
    let limit = MAX_PATH - 1;
    let mut pc = 0usize;
    let at = |i: usize| path.get(i).copied().unwrap_or(0);
    loop {
        let c = at(pc);
        if c == 0 {
            if out.len() > base + 1 && out.last() == Some(&b'/') {
                out.pop();
            }
            return;
        }
        let after_sep = out.len() == base || out.last() == Some(&b'/');
        if c == b'.' && after_sep {
            if at(pc + 1) == b'.' && at(pc + 2) == b'/' {
                rewind(out, base);
                pc += 3;
            } else if at(pc + 1) == b'.' && at(pc + 2) == 0 {
                rewind(out, base);
                pc += 2;
            } else if at(pc + 1) == b'/' {
                pc += 2;
            } else if at(pc + 1) == 0 {
                pc += 1;
            } else {
                if out.len() >= limit {
                    return;
                }
                out.push(c);
                pc += 1;
            }
        } else if c == b'/' {
            if (out.len() > base && out.last() == Some(&b'/')) || (out.len() == base && !empty_base) {
                pc += 1;
            } else {
                if out.len() >= limit {
                    return;
                }
                out.push(c);
                pc += 1;
            }
        } else {
            if out.len() >= limit {
                return;
            }
            out.push(c);
            pc += 1;
        }
    }
}

/// `sinsp_utils::concatenate_paths(path1, path2)`.
pub fn concatenate(path1: &[u8], path2: &[u8]) -> Vec<u8> {
    // the C code stops at a NUL in either string
    let cut = |p: &[u8]| p.iter().position(|&b| b == 0).map_or(p.len(), |n| n);
    let path1 = &path1[..cut(path1)];
    let path2 = &path2[..cut(path2)];
    if path1.len() + path2.len() + 1 > MAX_PATH {
        return b"/DIR_TOO_LONG/FILENAME_TOO_LONG".to_vec();
    }
    let mut out = Vec::with_capacity(path1.len() + path2.len());
    if !path2.is_empty() && path2[0] != b'/' {
        out.extend_from_slice(path1);
        copy_normalized(&mut out, path2);
    } else {
        copy_normalized(&mut out, path2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::concatenate;

    fn c(a: &str, b: &str) -> String {
        String::from_utf8(concatenate(a.as_bytes(), b.as_bytes())).unwrap()
    }

    #[test]
    fn joins_and_normalises() {
        assert_eq!(c("/home/u/", "file"), "/home/u/file");
        assert_eq!(c("/home/u/", "../x/./y"), "/home/x/y");
        assert_eq!(c("/a/", "/etc//passwd/"), "/etc/passwd");
        assert_eq!(c("", "/"), "/");
        assert_eq!(c("/", ".."), "/");
        // an empty relative path gives an empty result (checked against the oracle's
        // sinsp_utils::concatenate_paths), and path1 is taken as is, without a '/' added
        assert_eq!(c("/a/b/", ""), "");
        assert_eq!(c("", "foo/../a"), "a");
        assert_eq!(c("/a/b", "c"), "/a/bc");
        assert_eq!(c("/", "./"), "/");
    }
}

//! `glob`/`iglob` patterns and `pmatch` path sets.
//!
//! libsinsp's `sinsp_utils::glob_match` is POSIX `fnmatch(pattern, value, 0)`, or with
//! `FNM_CASEFOLD` for `iglob` (checked in falcosecurity/libs `utils.cpp`). With those flags:
//! `*` matches any sequence including `/` (no `FNM_PATHNAME`), a leading `.` is not special (no
//! `FNM_PERIOD`), `?` matches one character, `[...]` is a bracket expression (`!` or `^`
//! negates, `]` first is literal, ranges, `[:class:]`), and a backslash quotes the next
//! character, inside brackets too. An unterminated `[` matches a literal `[`. Matching is
//! byte-wise, as glibc's fnmatch in the C locale; case folding is ASCII.
//!
//! Verified with sysdig 0.29.3 on the dummy_c capture (values 8, 9, 10, 16, 26, 30, ...):
//! `dummy.strvalue glob '1*0'` → 10 100; `glob '[0-1]?'` → 10 16; `glob '[!1]*'` → every value
//! not starting with 1.
//!
//! `pmatch` uses libsinsp's `path_prefix_search` (`prefix_search.h`): both the value and each
//! search path are split on `/` with empty components dropped; a search path matches when its
//! components are a prefix of the value's (so `/var` matches `/var` and `/var/lib/x`, not
//! `/varx`; `/` matches everything). A search-path component containing `?`, `*` or `[` is
//! matched with `glob`. Verified with sysdig 0.29.3: `dummy.strvalue pmatch (16, 8)` → 8 16.

/// A compiled fnmatch pattern.
#[derive(Clone, Debug)]
pub struct Glob {
    toks: Vec<Tok>,
    fold: bool,
}

#[derive(Clone, Debug)]
enum Tok {
    Byte(u8),
    Any,
    Star,
    Class {
        negated: bool,
        items: Vec<ClassItem>,
    },
}

#[derive(Clone, Debug)]
enum ClassItem {
    Byte(u8),
    Range(u8, u8),
    Named(fn(u8) -> bool),
}

fn named_class(name: &[u8]) -> Option<fn(u8) -> bool> {
    Some(match name {
        b"alnum" => |c: u8| c.is_ascii_alphanumeric(),
        b"alpha" => |c: u8| c.is_ascii_alphabetic(),
        b"blank" => |c: u8| c == b' ' || c == b'\t',
        b"cntrl" => |c: u8| c.is_ascii_control(),
        b"digit" => |c: u8| c.is_ascii_digit(),
        b"graph" => |c: u8| c.is_ascii_graphic(),
        b"lower" => |c: u8| c.is_ascii_lowercase(),
        b"print" => |c: u8| c.is_ascii_graphic() || c == b' ',
        b"punct" => |c: u8| c.is_ascii_punctuation(),
        b"space" => |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'),
        b"upper" => |c: u8| c.is_ascii_uppercase(),
        b"xdigit" => |c: u8| c.is_ascii_hexdigit(),
        _ => return None,
    })
}

impl Glob {
    pub fn new(pattern: &[u8], case_insensitive: bool) -> Glob {
        let mut toks = Vec::new();
        let p = pattern;
        let mut i = 0;
        while i < p.len() {
            match p[i] {
                b'*' => {
                    if !matches!(toks.last(), Some(Tok::Star)) {
                        toks.push(Tok::Star);
                    }
                    i += 1;
                }
                b'?' => {
                    toks.push(Tok::Any);
                    i += 1;
                }
                b'\\' if i + 1 < p.len() => {
                    toks.push(Tok::Byte(p[i + 1]));
                    i += 2;
                }
                b'[' => match parse_class(p, i) {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => {
                        toks.push(Tok::Byte(b'['));
                        i += 1;
                    }
                },
                c => {
                    toks.push(Tok::Byte(c));
                    i += 1;
                }
            }
        }
        Glob {
            toks,
            fold: case_insensitive,
        }
    }

    /// Whether the pattern has no wildcard at all.
    pub fn is_literal(&self) -> bool {
        self.toks.iter().all(|t| matches!(t, Tok::Byte(_)))
    }

    fn tok_matches(&self, t: &Tok, c: u8) -> bool {
        match t {
            Tok::Byte(b) => {
                if self.fold {
                    b.eq_ignore_ascii_case(&c)
                } else {
                    *b == c
                }
            }
            Tok::Any => true,
            Tok::Star => unreachable!(),
            Tok::Class { negated, items } => {
                let hit = |x: u8| {
                    items.iter().any(|it| match it {
                        ClassItem::Byte(b) => *b == x,
                        ClassItem::Range(lo, hi) => *lo <= x && x <= *hi,
                        ClassItem::Named(f) => f(x),
                    })
                };
                let found = if self.fold {
                    hit(c) || hit(c.to_ascii_lowercase()) || hit(c.to_ascii_uppercase())
                } else {
                    hit(c)
                };
                found != *negated
            }
        }
    }

    /// fnmatch: the whole value must match.
    pub fn matches(&self, s: &[u8]) -> bool {
        let t = &self.toks;
        let (mut ti, mut si) = (0usize, 0usize);
        // position after the last star, and the value position it is retried from
        let mut backtrack: Option<(usize, usize)> = None;
        loop {
            if ti < t.len() {
                if let Tok::Star = t[ti] {
                    ti += 1;
                    if ti == t.len() {
                        return true;
                    }
                    backtrack = Some((ti, si));
                    continue;
                }
                if si < s.len() && self.tok_matches(&t[ti], s[si]) {
                    ti += 1;
                    si += 1;
                    continue;
                }
            } else if si == s.len() {
                return true;
            }
            match backtrack {
                Some((bt, bs)) if bs < s.len() => {
                    backtrack = Some((bt, bs + 1));
                    ti = bt;
                    si = bs + 1;
                }
                _ => return false,
            }
        }
    }
}

/// A bracket expression starting at `p[start] == '['`; `None` if it is not terminated.
fn parse_class(p: &[u8], start: usize) -> Option<(Tok, usize)> {
    let mut i = start + 1;
    let mut negated = false;
    if i < p.len() && (p[i] == b'!' || p[i] == b'^') {
        negated = true;
        i += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        if i >= p.len() {
            return None;
        }
        let c = p[i];
        if c == b']' && !first {
            i += 1;
            break;
        }
        first = false;
        // [:class:]
        if c == b'[' && p.get(i + 1) == Some(&b':') {
            if let Some(end) = p[i + 2..].windows(2).position(|w| w == b":]") {
                let name = &p[i + 2..i + 2 + end];
                if let Some(f) = named_class(name) {
                    items.push(ClassItem::Named(f));
                    i = i + 2 + end + 2;
                    continue;
                }
            }
        }
        let (lo, next) = if c == b'\\' && i + 1 < p.len() {
            (p[i + 1], i + 2)
        } else {
            (c, i + 1)
        };
        i = next;
        // a range lo-hi (a '-' before the closing ']' is literal)
        if i + 1 < p.len() && p[i] == b'-' && p[i + 1] != b']' {
            let (hi, next) = if p[i + 1] == b'\\' && i + 2 < p.len() {
                (p[i + 2], i + 3)
            } else {
                (p[i + 1], i + 2)
            };
            items.push(ClassItem::Range(lo, hi));
            i = next;
        } else {
            items.push(ClassItem::Byte(lo));
        }
    }
    Some((Tok::Class { negated, items }, i))
}

/// libsinsp's `path_prefix_search`.
#[derive(Clone, Debug, Default)]
pub struct PathSet {
    paths: Vec<Vec<Component>>,
}

#[derive(Clone, Debug)]
enum Component {
    Lit(Vec<u8>),
    Glob(Glob),
}

fn components(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|b| *b == b'/').filter(|c| !c.is_empty())
}

impl PathSet {
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a [u8]>) -> PathSet {
        let paths = paths
            .into_iter()
            .map(|p| {
                components(p)
                    .map(|c| {
                        if c.iter().any(|b| matches!(b, b'?' | b'*' | b'[')) {
                            Component::Glob(Glob::new(c, false))
                        } else {
                            Component::Lit(c.to_vec())
                        }
                    })
                    .collect()
            })
            .collect();
        PathSet { paths }
    }

    pub fn matches(&self, value: &[u8]) -> bool {
        self.paths.iter().any(|pat| {
            let mut vals = components(value);
            pat.iter().all(|comp| match vals.next() {
                None => false,
                Some(v) => match comp {
                    Component::Lit(l) => l.as_slice() == v,
                    Component::Glob(g) => g.matches(v),
                },
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(p: &str, s: &str) -> bool {
        Glob::new(p.as_bytes(), false).matches(s.as_bytes())
    }

    #[test]
    fn fnmatch_semantics() {
        assert!(g("1*0", "10") && g("1*0", "100") && !g("1*0", "101"));
        assert!(
            g("[0-1]?", "10") && g("[0-1]?", "16") && !g("[0-1]?", "26") && !g("[0-1]?", "100")
        );
        assert!(g("[!1]*", "26") && !g("[!1]*", "16") && g("[^1]*", "8"));
        assert!(g("*", "") && g("*", "/a/b") && g("/home/*/.ssh/*", "/home/u/.ssh/id"));
        assert!(g("a\\*", "a*") && !g("a\\*", "ab"));
        assert!(g("[]]", "]") && g("[!]]", "a") && !g("[!]]", "]"));
        assert!(g("[a-]", "-") && g("[[:digit:]]x", "7x") && !g("[[:digit:]]x", "ax"));
        assert!(g("[ab", "[ab") && !g("[ab", "a"));
        assert!(g("?", "x") && !g("?", "é") && g("??", "é"));
        assert!(!g("abc", "ab") && !g("ab", "abc") && g("", ""));
        assert!(g("*a*b*", "xxaxxbxx") && !g("*a*b*", "xxbxxaxx"));
        let i = Glob::new(b"*.TXT", true);
        assert!(i.matches(b"a.txt") && i.matches(b"A.Txt") && !i.matches(b"a.txz"));
        assert!(Glob::new(b"[A-C]", true).matches(b"b"));
    }

    #[test]
    fn path_prefix() {
        let s = PathSet::new([&b"/var/run"[..], b"/etc", b"/lib", b"/usr/lib"]);
        assert!(s.matches(b"/var/run/docker") && s.matches(b"/etc") && s.matches(b"/etc/passwd"));
        assert!(!s.matches(b"/boot") && !s.matches(b"/var/lib/messages") && !s.matches(b"/var"));
        assert!(!s.matches(b"/etcx") && s.matches(b"//etc//x") && s.matches(b"etc/x"));
        let root = PathSet::new([&b"/"[..]]);
        assert!(root.matches(b"/anything") && root.matches(b""));
        let gl = PathSet::new([&b"/home/*/.ssh"[..]]);
        assert!(gl.matches(b"/home/u/.ssh/id_rsa") && !gl.matches(b"/home/u/.sshx"));
        assert!(!PathSet::new([]).matches(b"/x"));
    }
}

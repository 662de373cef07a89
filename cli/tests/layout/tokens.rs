//! Rust source as tokens for the import check: identifiers, `::` and punctuation, with
//! comments and literals out of the way; `#[cfg(test)]` modules cut out; `use` trees
//! expanded into paths.

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string, char or number literal (its content never matters here).
    Lit,
}

pub fn is_ident(t: Option<&Tok>, want: &str) -> bool {
    matches!(t, Some(Tok::Ident(s)) if s == want)
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The index just past the string literal whose opening quote is at `i`.
fn skip_string(c: &[char], mut i: usize) -> usize {
    i += 1;
    while i < c.len() {
        match c[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    c.len()
}

/// The index just past the raw string whose `#`s or opening quote start at `i`, or None
/// when what follows is not a raw string (e.g. the raw identifier `r#use`).
fn skip_raw_string(c: &[char], i: usize) -> Option<usize> {
    let hashes = c[i..].iter().take_while(|&&ch| ch == '#').count();
    let mut j = i + hashes;
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"'
            && c[j + 1..]
                .iter()
                .take(hashes)
                .filter(|&&h| h == '#')
                .count()
                == hashes
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

pub fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            // Block comments nest.
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            i = skip_string(&c, i);
            out.push(Tok::Lit);
        } else if ch == '\'' {
            if next == Some('\\') {
                // An escaped char: '\n', '\'', '\u{..}'.
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push(Tok::Lit);
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push(Tok::Lit);
            } else {
                // A lifetime or a label: not a path.
                i += 1;
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
            }
        } else if is_ident_start(ch) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if raw_prefix && matches!(c.get(i), Some('"') | Some('#')) {
                if let Some(end) = skip_raw_string(&c, i) {
                    i = end;
                    out.push(Tok::Lit);
                    continue;
                }
                if word == "r" {
                    // A raw identifier, never a keyword: `r#use` stays `r#use`.
                    let start = i + 1;
                    i = start;
                    while i < c.len() && is_ident_char(c[i]) {
                        i += 1;
                    }
                    let name: String = c[start..i].iter().collect();
                    out.push(Tok::Ident(format!("r#{name}")));
                    continue;
                }
            }
            // `b"..."`, `b'x'`, `c"..."`: the prefix is a harmless identifier, the literal
            // follows.
            out.push(Tok::Ident(word));
        } else if ch.is_ascii_digit() {
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            out.push(Tok::Lit);
        } else if ch == ':' && next == Some(':') {
            out.push(Tok::PathSep);
            i += 2;
        } else {
            out.push(Tok::Punct(ch));
            i += 1;
        }
    }
    out
}

/// The index just past the bracket matching the `open` at `i`.
fn skip_balanced(t: &[Tok], i: usize, open: char, close: char) -> usize {
    let mut depth = 0;
    for (j, tok) in t.iter().enumerate().skip(i) {
        if *tok == Tok::Punct(open) {
            depth += 1;
        } else if *tok == Tok::Punct(close) {
            depth -= 1;
            if depth == 0 {
                return j + 1;
            }
        }
    }
    t.len()
}

/// Whether `#[cfg(test)]` starts at `i`.
fn is_cfg_test(t: &[Tok], i: usize) -> bool {
    let want = [
        Tok::Punct('#'),
        Tok::Punct('['),
        Tok::Ident("cfg".into()),
        Tok::Punct('('),
        Tok::Ident("test".into()),
        Tok::Punct(')'),
        Tok::Punct(']'),
    ];
    t.get(i..i + want.len()) == Some(&want[..])
}

/// The tokens without `#[cfg(test)] mod NAME { ... }` blocks (other attributes and a
/// visibility may stand between the `cfg` and the `mod`).
pub fn without_test_modules(t: Vec<Tok>) -> Vec<Tok> {
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if is_cfg_test(&t, i) {
            let mut j = i + 7;
            while t.get(j) == Some(&Tok::Punct('#')) && t.get(j + 1) == Some(&Tok::Punct('[')) {
                j = skip_balanced(&t, j + 1, '[', ']');
            }
            if is_ident(t.get(j), "pub") {
                j += 1;
                if t.get(j) == Some(&Tok::Punct('(')) {
                    j = skip_balanced(&t, j, '(', ')');
                }
            }
            if is_ident(t.get(j), "mod")
                && matches!(t.get(j + 1), Some(Tok::Ident(_)))
                && t.get(j + 2) == Some(&Tok::Punct('{'))
            {
                i = skip_balanced(&t, j + 2, '{', '}');
                continue;
            }
        }
        out.push(t[i].clone());
        i += 1;
    }
    out
}

pub type ModPath = Vec<String>;

/// The paths one `use` tree names (its tokens, without `use` and `;`): braces expanded,
/// `as` renames and `*` globs dropped (a glob names the module before it).
pub fn use_paths(t: &[Tok]) -> Vec<ModPath> {
    let mut out = Vec::new();
    let mut pos = 0;
    use_tree(t, &mut pos, Vec::new(), &mut out);
    out
}

fn use_tree(t: &[Tok], pos: &mut usize, mut path: ModPath, out: &mut Vec<ModPath>) {
    if path.is_empty() && t.get(*pos) == Some(&Tok::PathSep) {
        // `::name`: an external crate, never a file of this one.
        *pos += 1;
        path.push("::".into());
    }
    loop {
        match t.get(*pos) {
            Some(Tok::Ident(name)) => {
                path.push(name.clone());
                *pos += 1;
                if t.get(*pos) == Some(&Tok::PathSep) {
                    *pos += 1;
                    continue;
                }
                if is_ident(t.get(*pos), "as") {
                    *pos += 2;
                }
                out.push(path);
                return;
            }
            Some(Tok::Punct('*')) => {
                *pos += 1;
                out.push(path);
                return;
            }
            Some(Tok::Punct('{')) => {
                *pos += 1;
                loop {
                    match t.get(*pos) {
                        None => return,
                        Some(Tok::Punct('}')) => {
                            *pos += 1;
                            return;
                        }
                        Some(Tok::Punct(',')) => *pos += 1,
                        Some(_) => {
                            let before = *pos;
                            use_tree(t, pos, path.clone(), out);
                            if *pos == before {
                                *pos += 1; // not a use tree: step over it
                            }
                        }
                    }
                }
            }
            _ => {
                if !path.is_empty() {
                    out.push(path);
                }
                return;
            }
        }
    }
}

//! What the bad-file tests share: a file's one-line error, and checking it against the
//! expected line (check_bad.rs, check_bad_steps.rs).

use tfw_scenarios::check::*;

/// Lines 1-7 of most files below: one backend, an h1 client `c`, an h2 client `h2`.
pub const PEERS: &str = "[backends.b]\nlisten = \"127.0.0.1:9001\"\n[clients.c]\nconnect = \"127.0.0.1:9100\"\n[clients.h2]\nconnect = \"127.0.0.1:9101\"\nproto = \"h2\"\n";

/// The one-line error of file `dir/bad.toml` holding `text`.
pub fn error(text: &str) -> String {
    let opts = LoadOptions {
        vars: Vars::defaults(),
        ..Default::default()
    };
    match load_sources(&[("dir/bad.toml".to_owned(), text.to_owned())], &opts) {
        Ok(plan) => panic!("loaded: {plan:?}"),
        Err(e) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "{line}");
            assert_eq!(
                line,
                format!("{}:{}: {}: {}", e.file, e.line, e.key, e.message)
            );
            line
        }
    }
}

/// `case` after PEERS, or as it is after a leading `!`.
pub fn check(case: &str, expected: &str) {
    let text = match case.strip_prefix('!') {
        Some(whole) => whole.to_owned(),
        None => format!("{PEERS}{case}"),
    };
    assert_eq!(error(&text), expected, "file:\n{text}");
}

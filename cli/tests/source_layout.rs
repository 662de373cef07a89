//! Guard rails on the shape of the workspace's sources (issue 18), so that what was fixed
//! once stays fixed:
//!
//! - no Rust file (sources, tests, benchmarks) over 600 lines;
//! - in each crate's `src/`, no file imports another that imports it back, directly or around
//!   a longer circle.
//!
//! The import graph is file-level. A file names another when it has a `use` item, or an
//! inline path starting with `crate::`, `super::`, `self::` or one of its child modules, that
//! resolves (longest prefix) to the other file's module. A module's path comes from its file
//! path (`foo/mod.rs` and `foo.rs` are module `foo`; `lib.rs`, `main.rs` the root). Comments
//! and literals are ignored; test-only code is skipped: files named `tests.rs`, `tests_*.rs`,
//! `test_support.rs` or under a `tests/` directory, and `#[cfg(test)] mod NAME { ... }`
//! blocks. The checker (`layout/`: tokens, graph, circles) is std only, and is itself tested
//! on small inline examples below.

mod layout;

use layout::{module_of, Circles, ImportGraph};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

/// Every tree of Rust files in the workspace, relative to its root.
const TREES: [&str; 13] = [
    "engine/src",
    "engine/tests",
    "engine/benches",
    "scenarios/src",
    "scenarios/tests",
    "reports/src",
    "reports/tests",
    "cli/src",
    "cli/tests",
    "wrklua/src",
    "wrklua/tests",
    "testbed/src",
    "testbed/tests",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the package sits in the workspace")
        .to_path_buf()
}

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn no_rust_file_over_600_lines() {
    let root = workspace();
    let mut long = Vec::new();
    for tree in TREES {
        let dir = root.join(tree);
        assert!(dir.is_dir(), "{} is gone: update TREES", dir.display());
        for file in rust_files(&dir) {
            let lines = read(&file).lines().count();
            if lines > MAX_LINES {
                let rel = file.strip_prefix(&root).unwrap_or(&file);
                long.push(format!("  {} ({lines} lines)", rel.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "{} file(s) over {MAX_LINES} lines; split them by topic:\n{}",
        long.len(),
        long.join("\n")
    );
}

/// Runs the import check on one crate's `src/` and fails naming every circle.
fn assert_no_import_circle(src: &str) {
    let dir = workspace().join(src);
    let sources: Vec<(String, String)> = rust_files(&dir)
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&dir).expect("under src").to_string_lossy();
            (rel.into_owned(), read(f))
        })
        .collect();
    assert!(!sources.is_empty(), "no Rust files in {src}");
    let graph = ImportGraph::new(&sources);
    let circles = Circles::of(&graph);
    assert!(circles.is_empty(), "{src}: {}", circles.report());
}

#[test]
fn engine_src_has_no_import_circle() {
    assert_no_import_circle("engine/src");
}

#[test]
fn scenarios_src_has_no_import_circle() {
    assert_no_import_circle("scenarios/src");
}

#[test]
fn reports_src_has_no_import_circle() {
    assert_no_import_circle("reports/src");
}

#[test]
fn cli_src_has_no_import_circle() {
    assert_no_import_circle("cli/src");
}

#[test]
fn wrklua_src_has_no_import_circle() {
    assert_no_import_circle("wrklua/src");
}

#[test]
fn testbed_src_has_no_import_circle() {
    assert_no_import_circle("testbed/src");
}

// --- The checker on small crates written here. ---

/// The circles of a crate given as (path under src/, text), by file.
fn circles_of(sources: &[(&str, &str)]) -> (Vec<(String, String)>, Vec<Vec<String>>) {
    let sources: Vec<(String, String)> = sources
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let g = ImportGraph::new(&sources);
    let c = Circles::of(&g);
    let pairs = c
        .pairs
        .iter()
        .map(|(a, b)| (g.file(a).to_string(), g.file(b).to_string()))
        .collect();
    let cycles = c
        .cycles
        .iter()
        .map(|cy| {
            let mut files: Vec<String> = cy.iter().map(|m| g.file(m).to_string()).collect();
            files.sort();
            files
        })
        .collect();
    (pairs, cycles)
}

/// The files `file` names in the crate given as (path under src/, text).
fn named_by(sources: &[(&str, &str)], file: &str) -> Vec<String> {
    let sources: Vec<(String, String)> = sources
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect();
    let g = ImportGraph::new(&sources);
    g.edges[&module_of(file)]
        .iter()
        .map(|m| g.file(m).to_string())
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn checker_finds_a_mutual_pair() {
    let (pairs, cycles) = circles_of(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "b.rs",
            "pub struct B;\nfn f() -> super::a::A { super::a::A }\n",
        ),
    ]);
    assert_eq!(pairs, vec![("a.rs".to_string(), "b.rs".to_string())]);
    assert_eq!(cycles, vec![strings(&["a.rs", "b.rs"])]);
}

#[test]
fn checker_finds_a_three_cycle_without_pairs() {
    let (pairs, cycles) = circles_of(&[
        ("lib.rs", "mod x;\n"),
        ("x/mod.rs", "mod a; mod b; mod c;\n"),
        ("x/a.rs", "fn f() { crate::x::b::g() }\n"),
        ("x/b.rs", "pub(crate) use super::c::C;\npub fn g() {}\n"),
        ("x/c.rs", "use super::{a as first};\npub struct C;\n"),
    ]);
    assert!(pairs.is_empty(), "{pairs:?}");
    assert_eq!(cycles, vec![strings(&["x/a.rs", "x/b.rs", "x/c.rs"])]);
}

#[test]
fn checker_finds_no_circle_in_a_tree() {
    let (pairs, cycles) = circles_of(&[
        ("lib.rs", "pub mod a;\npub mod b;\npub use a::A;\n"),
        ("a.rs", "use crate::b::B;\npub struct A(B);\n"),
        ("b.rs", "pub struct B;\n"),
    ]);
    assert!(
        pairs.is_empty() && cycles.is_empty(),
        "{pairs:?} {cycles:?}"
    );
}

#[test]
fn checker_expands_use_trees_and_drops_renames() {
    let src = [
        ("lib.rs", ""),
        (
            "m.rs",
            "pub(crate) use crate::{\n    x::{self, Y},\n    y::Z as W,\n    z::*,\n    \
             q::r::{S, T as _},\n};\nuse std::io::{self, Read};\nuse ::core::fmt;\n",
        ),
        ("x.rs", ""),
        ("y.rs", ""),
        ("z.rs", ""),
        ("q/mod.rs", ""),
        ("q/r.rs", ""),
        ("io.rs", ""),
        ("core.rs", ""),
    ];
    assert_eq!(
        named_by(&src, "m.rs"),
        strings(&["q/r.rs", "x.rs", "y.rs", "z.rs"])
    );
}

#[test]
fn checker_resolves_the_longest_prefix_and_child_modules() {
    let src = [
        ("lib.rs", "mod a;\nfn f() { a::b::g(); }\n"),
        ("a.rs", "mod b;\nfn h() { b::g(); self::b::g(); }\n"),
        (
            "a/b.rs",
            "pub fn g() { super::super::c::K; std::a::b(); }\n",
        ),
        ("c.rs", "pub const K: u8 = 0;\n"),
    ];
    assert_eq!(named_by(&src, "lib.rs"), strings(&["a/b.rs"]));
    assert_eq!(named_by(&src, "a.rs"), strings(&["a/b.rs"]));
    // `std::a::b` is std's, not this crate's `a` (no child `std`).
    assert_eq!(named_by(&src, "a/b.rs"), strings(&["c.rs"]));
}

#[test]
fn checker_ignores_comments_and_literals() {
    let src = [
        ("lib.rs", ""),
        (
            "a.rs",
            r###"
// use crate::b;  and crate::b::f() in a line comment
/* a block comment: crate::b::f() /* nested: use crate::b; */ still crate::b::f() */
//! doc: crate::b
/// doc: use crate::b::B;
fn f<'a>(s: &'a str) -> char {
    let _ = "crate::b::f() with an \" escaped quote and use crate::b;";
    let _ = r#"crate::b::f() with a " quote"#;
    let _ = b"use crate::b;";
    let q = '"';
    let _ = "crate::b::f()";
    let _ = '\'';
    q
}
"###,
        ),
        ("b.rs", "pub fn f() {}\n"),
    ];
    assert!(
        named_by(&src, "a.rs").is_empty(),
        "{:?}",
        named_by(&src, "a.rs")
    );
}

#[test]
fn checker_skips_test_modules_and_test_files() {
    let src = [
        ("lib.rs", "mod a;\nmod b;\nmod test_support;\n"),
        (
            "a.rs",
            "pub fn f() {}\n\n#[cfg(test)]\n#[allow(unused)]\nmod tests {\n    use crate::b;\n    \
             fn t() { if true { crate::b::g() } }\n}\n\nfn after() { crate::c::h() }\n",
        ),
        (
            "b.rs",
            "use crate::a::f;\npub fn g() { f() }\n#[cfg(test)]\nmod tests;\n",
        ),
        ("b/tests.rs", "use crate::b::g;\n"),
        ("b/tests_more.rs", "use crate::a;\n"),
        ("test_support.rs", "use crate::a;\nuse crate::b;\n"),
        ("c/mod.rs", "pub fn h() {}\n"),
        ("c/tests/x.rs", "use crate::a;\n"),
    ];
    // What follows the test module still counts.
    assert_eq!(named_by(&src, "a.rs"), strings(&["c/mod.rs"]));
    assert_eq!(named_by(&src, "b.rs"), strings(&["a.rs"]));
    let (pairs, cycles) = circles_of(&src);
    assert!(
        pairs.is_empty() && cycles.is_empty(),
        "{pairs:?} {cycles:?}"
    );
}

#[test]
fn checker_keeps_main_beside_lib_apart() {
    let src = [
        ("lib.rs", "pub mod a;\n"),
        ("main.rs", "mod a;\nfn main() { crate::a::run() }\n"),
        ("a.rs", "pub fn run() {}\n"),
    ];
    assert!(named_by(&src, "lib.rs").is_empty());
    // Without a lib.rs, main.rs is the root.
    let src = [("main.rs", src[1].1), ("a.rs", "use crate::X;\n")];
    assert_eq!(named_by(&src, "main.rs"), strings(&["a.rs"]));
    let (pairs, _) = circles_of(&src);
    assert_eq!(pairs, vec![("main.rs".to_string(), "a.rs".to_string())]);
}

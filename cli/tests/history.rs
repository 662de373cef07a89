//! `tfw-bench history` end to end: three `regress` invocations stored, then listed, shown
//! and pruned; a missing `--history` is one clear line.

mod common;

use common::regress::{regress, s, tmp_dir, write};
use common::{assert_setup_error, run};

#[test]
fn history_list_show_prune() {
    let dir = tmp_dir("history");
    let m = write(
        &dir,
        "m.toml",
        "[[scenario]]\nname = \"a\"\nconnections = 2\nduration = \"200ms\"\nrepeats = 1\n\
         [[scenario]]\nname = \"b\"\nconnections = 2\nduration = \"200ms\"\nrepeats = 2\nbody_size = 1000\n",
    );
    for v in ["t1", "t2", "t3"] {
        let o = regress(&dir, &m, "out", &["--target-version", v]);
        assert_eq!(o.code().map(|c| c <= 1), Some(true), "{}", o.show());
    }
    let db = dir.join("history.db");
    let hist = |args: &[&str]| {
        let mut a = vec!["history"];
        a.extend_from_slice(args);
        a.extend(["--history", s(&db)]);
        run(&a)
    };

    let list = hist(&["list"]);
    assert_eq!(list.code(), Some(0), "{}", list.show());
    let rows: Vec<Vec<&str>> = list
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{}", list.stdout);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0], (i + 1).to_string());
        assert!(r.contains(&"finished"));
        assert!(r.contains(&format!("t{}", i + 1).as_str()));
        assert_eq!(r[r.len() - 2], "3", "runs: {r:?}");
        assert_eq!(r[r.len() - 1], "a,b");
    }

    let show = hist(&["show", "2"]);
    assert_eq!(show.code(), Some(0), "{}", show.show());
    assert!(show.stdout.contains("invocation 2"));
    assert!(show.stdout.contains("target    t2"));
    assert!(show.stdout.contains("CPUs"));
    let run_rows: Vec<&str> = show
        .stdout
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|n| n == "a" || n == "b")
        })
        .collect();
    assert_eq!(run_rows.len(), 3, "{}", show.stdout);

    let e = hist(&["show", "99"]);
    assert_setup_error(&e, "no invocation 99");

    let p = hist(&["prune", "--keep", "2"]);
    assert_eq!(p.code(), Some(0), "{}", p.show());
    assert!(
        p.stdout.contains("pruned 1 invocation(s); 2 left"),
        "{}",
        p.stdout
    );
    let list = hist(&["list"]);
    let ids: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ids, ["2", "3"]);

    let p = hist(&["prune", "--before", "2000-01-01"]);
    assert!(
        p.stdout.contains("pruned 0 invocation(s); 2 left"),
        "{}",
        p.show()
    );
    let p = hist(&["prune", "--before", "2999-01-01"]);
    assert!(
        p.stdout.contains("pruned 2 invocation(s); 0 left"),
        "{}",
        p.show()
    );
    assert_eq!(hist(&["list"]).stdout.trim(), "no invocations");

    let bad = hist(&["prune", "--before", "someday"]);
    assert_setup_error(&bad, "bad date");
    let missing = run(&["history", "list", "--history", s(&dir.join("nope.db"))]);
    assert_setup_error(&missing, "does not exist");
    assert!(!dir.join("nope.db").exists());
    let none = run(&["history", "list"]);
    assert_setup_error(&none, "--history FILE is required");
}

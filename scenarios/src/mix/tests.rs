//! Request files: what a file says becomes the mix and wire bytes it should, every mistake
//! is a typed error naming the request (or line) at fault, and every shipped example loads.

use super::*;
use crate::test_support::parse_wire;

fn target() -> Target {
    Target::parse("http://example.com:8080/base?q=1").unwrap()
}

fn parse(text: &str) -> Result<RequestFile, ScenarioError> {
    RequestFile::parse(text, Path::new("/nonexistent"), Path::new("t.toml"))
}

fn wire(mix: &RequestMix, i: usize) -> String {
    String::from_utf8(mix.entries[i].template.wire.to_vec()).unwrap()
}

/// A temporary directory with `files` in it, removed on drop.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &[u8])]) -> Dir {
        let d = std::env::temp_dir().join(format!("tfw-mix-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        for (path, bytes) in files {
            let p = d.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_full_file() {
    let toml = r#"
order = "weighted"
cookies = true
headers = ["Accept: */*", "X-Shared: 1"]

[[request]]
name = "form"
method = "POST"
path = "/login?next=/"
headers = { Content-Type = "text/plain", X-Shared = "mine", Accept-Language = "en" }
body = "user=u"
weight = 3

[[request]]
"#;
    let f = parse(toml).unwrap();
    assert_eq!(
        (f.order, f.cookies, f.requests.len()),
        (MixOrder::Weighted, true, 2)
    );
    let r = &f.requests[0];
    assert_eq!((r.name.as_str(), r.weight), ("form", 3));
    assert_eq!(r.path.as_deref(), Some("/login?next=/"));
    let h = |n: &str, v: &str| (n.to_owned(), v.to_owned());
    // Shared fields first unless the request has its own; table order is kept.
    assert_eq!(
        r.spec.headers,
        vec![
            h("Accept", "*/*"),
            h("Content-Type", "text/plain"),
            h("X-Shared", "mine"),
            h("Accept-Language", "en"),
        ]
    );
    // Defaults: name, GET, the target's path, weight 1, no body.
    let d = &f.requests[1];
    assert_eq!(
        (d.name.as_str(), d.spec.method.as_str(), &d.path, d.weight),
        ("request 2", "GET", &None, 1)
    );
    let mix = f.to_mix(&target()).unwrap();
    assert_eq!((mix.order, mix.cookies), (MixOrder::Weighted, true));
    assert_eq!(mix.entries[0].name, "form");
    assert_eq!(mix.entries[0].weight, 3);
    assert_eq!(
        wire(&mix, 0),
        "POST /login?next=/ HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: tfw-bench\r\n\
         Accept: */*\r\nContent-Type: text/plain\r\nX-Shared: mine\r\nAccept-Language: en\r\n\
         Content-Length: 6\r\n\r\nuser=u"
    );
    assert!(!mix.entries[0].template.head);
    assert_eq!(
        wire(&mix, 1),
        "GET /base?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: tfw-bench\r\n\
         Accept: */*\r\nX-Shared: 1\r\n\r\n"
    );
}

#[test]
fn defaults_and_head() {
    let f = parse("[[request]]\nmethod = \"HEAD\"\n[[request]]\npath = \"/x\"\n").unwrap();
    assert_eq!((f.order, f.cookies), (MixOrder::RoundRobin, false));
    let mix = f.to_mix(&target()).unwrap();
    assert!(mix.entries[0].template.head);
    assert!(wire(&mix, 1).starts_with("GET /x HTTP/1.1\r\nHost: example.com:8080\r\n"));
    let seq = parse("order = \"sequence\"\n[[request]]\n").unwrap();
    assert_eq!(seq.order, MixOrder::Sequence);
}

#[test]
fn body_files_are_relative_to_the_file() {
    let body: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let toml = "[[request]]\nmethod = \"PUT\"\nbody_file = \"data/blob.bin\"\n";
    let dir = Dir::new(
        "body",
        &[("mix.toml", toml.as_bytes()), ("data/blob.bin", &body)],
    );
    let f = RequestFile::load(&dir.0.join("mix.toml")).unwrap();
    assert_eq!(f.requests[0].spec.body, body);
    let mix = load_mix(&dir.0.join("mix.toml"), &target()).unwrap();
    let w = &mix.entries[0].template.wire;
    assert!(w.ends_with(&body));
    let head = String::from_utf8_lossy(&w[..w.len() - body.len()]);
    assert!(head.contains("Content-Length: 70000\r\n"), "{head}");
}

/// The inner error of a `MixRequest` for request `index`, with its message.
fn request_error(text: &str, index: usize) -> (ScenarioError, String) {
    match parse(text) {
        Err(e @ ScenarioError::MixRequest { .. }) => {
            let msg = e.to_string();
            let ScenarioError::MixRequest {
                index: i, error, ..
            } = e
            else {
                unreachable!()
            };
            assert_eq!(i, index, "{msg}");
            (*error, msg)
        }
        other => panic!("{text}: {other:?}"),
    }
}

/// Is it the error expected?
type Is = fn(&ScenarioError) -> bool;

#[test]
fn request_mistakes_name_the_request() {
    let (e, msg) = request_error(
        "[[request]]\n[[request]]\nname = \"bad\"\nmethod = \"GE T\"\n",
        2,
    );
    assert!(matches!(e, ScenarioError::InvalidMethod(_)));
    assert_eq!(
        msg,
        "t.toml: request 2 (\"bad\"): invalid method \"GE T\": must be an HTTP token such as GET or POST"
    );
    let cases: [(&str, Is); 12] = [
        ("body = \"x\"\nbody_file = \"y\"", |e| {
            matches!(e, ScenarioError::BodyAndBodyFile)
        }),
        (
            "body_file = \"missing.bin\"",
            |e| matches!(e, ScenarioError::BodyFile { path, .. } if path.ends_with("missing.bin")),
        ),
        ("weight = 0", |e| matches!(e, ScenarioError::ZeroWeight)),
        ("weight = 2", |e| {
            matches!(e, ScenarioError::WeightWithoutWeighted)
        }),
        ("headers = [\"NoColon\"]", |e| {
            matches!(e, ScenarioError::InvalidHeader { .. })
        }),
        ("headers = { \"Bad Name\" = \"v\" }", |e| {
            matches!(e, ScenarioError::InvalidHeader { .. })
        }),
        ("headers = { \"X:Y\" = \"v\" }", |e| {
            matches!(e, ScenarioError::InvalidHeader { .. })
        }),
        ("headers = { X = \"a\\r\\nEvil: 1\" }", |e| {
            matches!(e, ScenarioError::InvalidHeader { .. })
        }),
        ("path = \"relative\"", |e| {
            matches!(e, ScenarioError::InvalidRequestPath { .. })
        }),
        ("path = \"/a b\"", |e| {
            matches!(e, ScenarioError::InvalidRequestPath { .. })
        }),
        ("path = \"*\"", |e| {
            matches!(e, ScenarioError::InvalidRequestPath { .. })
        }),
        ("headers = [\"Content-Length: 5\"]\nbody = \"abc\"", |e| {
            matches!(e, ScenarioError::ContentLengthMismatch { .. })
        }),
    ];
    for (body, ok) in cases {
        let (e, msg) = request_error(&format!("[[request]]\n{body}\n"), 1);
        assert!(ok(&e), "{body}: {e:?}");
        assert!(
            msg.starts_with("t.toml: request 1 (\"request 1\"): "),
            "{msg}"
        );
    }
    let (e, _) = request_error("[[request]]\nname = \"a\"\n[[request]]\nname = \"a\"\n", 2);
    assert!(matches!(e, ScenarioError::DuplicateName));
    let (e, _) = request_error("[[request]]\nname = \"\"\n", 1);
    assert!(matches!(e, ScenarioError::InvalidName));
    let (e, _) = request_error("[[request]]\nmethod = \"GET\"\npath = \"/#frag\"\n", 1);
    assert!(matches!(e, ScenarioError::InvalidRequestPath { .. }));
    // `*` is fine for OPTIONS.
    let f = parse("[[request]]\nmethod = \"OPTIONS\"\npath = \"*\"\n").unwrap();
    assert!(wire(&f.to_mix(&target()).unwrap(), 0).starts_with("OPTIONS * HTTP/1.1\r\n"));
}

/// A syntax error's message and position.
fn syntax(text: &str) -> (String, Option<(usize, usize)>) {
    match parse(text) {
        Err(ScenarioError::MixSyntax { message, at, file }) => {
            assert_eq!(file, Path::new("t.toml"));
            (message, at)
        }
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn unknown_keys_and_wrong_types_point_at_the_line() {
    let (msg, at) = syntax("cookies = true\npipeline = 7\n[[request]]\n");
    assert!(msg.contains("unknown field `pipeline`"), "{msg}");
    assert!(
        msg.ends_with("(pipelining is the run's --pipeline option)"),
        "{msg}"
    );
    assert_eq!(at, Some((2, 1)));
    let (msg, at) = syntax("[[request]]\nmethod = \"GET\"\nbdy = \"x\"\n");
    assert!(msg.contains("unknown field `bdy`"), "{msg}");
    assert_eq!(at.map(|a| a.0), Some(3));
    let (msg, _) = syntax("order = \"random\"\n[[request]]\n");
    assert!(msg.contains("round-robin"), "{msg}");
    let (msg, at) = syntax("[[request]]\nweight = \"x\"\n");
    assert!(msg.contains("u32"), "{msg}");
    assert_eq!(at.map(|a| a.0), Some(2));
    let (msg, _) = syntax("[[request]]\nweight = -1\n");
    assert!(msg.contains("-1"), "{msg}");
    let (msg, _) = syntax("[[request]]\nheaders = 5\n");
    assert!(msg.contains(r#"a list of "Name: value" strings"#), "{msg}");
    let (msg, _) = syntax("[[request]]\nheaders = [1]\n");
    assert!(msg.contains("string"), "{msg}");
    let (_, at) = syntax("[[request]\n");
    assert_eq!(at.map(|a| a.0), Some(1));
    let e = parse("x = 1\n").unwrap_err().to_string();
    assert!(e.starts_with("t.toml:1:1: unknown field `x`"), "{e}");
}

#[test]
fn file_level_mistakes() {
    assert!(matches!(parse(""), Err(ScenarioError::MixEmpty(_))));
    assert!(matches!(
        parse("cookies = true\n"),
        Err(ScenarioError::MixEmpty(_))
    ));
    assert_eq!(
        parse("").unwrap_err().to_string(),
        "request file t.toml has no [[request]] table"
    );
    match parse("headers = [\"Bad Header\"]\n[[request]]\n") {
        Err(e @ ScenarioError::MixShared { .. }) => {
            assert!(e
                .to_string()
                .starts_with("t.toml: shared headers: invalid header"))
        }
        other => panic!("{other:?}"),
    }
    let e = RequestFile::load(Path::new("/nonexistent/mix.toml")).unwrap_err();
    assert!(matches!(e, ScenarioError::MixRead { .. }));
    assert!(e
        .to_string()
        .starts_with("cannot read request file /nonexistent/mix.toml: "));
}

/// `n` `[[request]]` tables, all defaults.
fn requests(n: usize) -> String {
    "[[request]]\n".repeat(n)
}

#[test]
fn too_many_requests_are_refused() {
    let e = parse(&requests(MAX_REQUESTS + 1)).unwrap_err();
    assert!(
        matches!(
            e,
            ScenarioError::MixTooMany {
                count: 65_536,
                max: 65_535,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "request file t.toml has 65536 requests: at most 65535 are supported"
    );
    let f = parse(&requests(MAX_REQUESTS)).expect("the most a file may hold");
    assert_eq!(f.requests.len(), MAX_REQUESTS);
    assert_eq!(f.requests[MAX_REQUESTS - 1].name, "request 65535");
}

/// What each shipped example must hold, by file name.
fn check_example(name: &str, f: &RequestFile, mix: &RequestMix) {
    let wires: Vec<String> = (0..mix.entries.len()).map(|i| wire(mix, i)).collect();
    let methods: Vec<&str> = f.requests.iter().map(|r| r.spec.method.as_str()).collect();
    match name {
        "pipelined-gets.toml" => {
            assert_eq!(methods, ["GET"]);
            assert_eq!(mix.order, MixOrder::RoundRobin);
        }
        "mixed-methods.toml" => {
            let want = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
            assert_eq!(methods, want);
            assert!(wires[0].starts_with("OPTIONS * HTTP/1.1\r\n"));
            assert!(mix.entries[2].template.head);
            assert!(wires[3].contains("Content-Length: 0\r\n"), "{}", wires[3]);
        }
        "post-bodies.toml" => {
            assert_eq!(mix.order, MixOrder::Weighted);
            let bodies: Vec<usize> = f.requests.iter().map(|r| r.spec.body.len()).collect();
            assert_eq!(bodies[0], 64 * 1024);
            assert!(bodies[1] > 0 && bodies[1] < 100);
            assert_eq!(bodies[2], 0);
            assert!(wires[2].contains("Content-Length: 0\r\n"));
            let weights: Vec<u32> = mix.entries.iter().map(|e| e.weight).collect();
            assert_eq!(weights, [1, 6, 3]);
        }
        "cookie-session.toml" => {
            assert_eq!((mix.order, mix.cookies), (MixOrder::Sequence, true));
            assert!(mix.entries.len() >= 2);
        }
        "connection-close.toml" => {
            assert!(wires
                .iter()
                .all(|w| w.contains("\r\nConnection: close\r\n")));
            for w in &wires {
                assert!(parse_wire(w.as_bytes())[0].close);
            }
        }
        other => panic!("no checks for the example {other}: add them"),
    }
}

#[test]
fn every_shipped_example_loads() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in names {
        let path = dir.join(&name);
        let f = RequestFile::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let mix = f.to_mix(&target()).unwrap();
        assert_eq!(mix.entries.len(), f.requests.len());
        for e in &mix.entries {
            // Each is one complete request the built-in target's parser accepts whole.
            let done = parse_wire(&e.template.wire);
            assert_eq!(done.len(), 1, "{name}: {}", e.name);
            assert_eq!(done[0].head, e.template.head);
        }
        check_example(&name, &f, &mix);
    }
}

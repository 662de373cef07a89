//! Good check files load into the plan they describe: the docs' example (matrix, templates,
//! defaults), a test-bed file's values, directories, backends shared by address, the run's
//! overrides, disabled clients and skipped cases.

use std::path::PathBuf;
use std::time::Duration;

use tfw_engine::check::*;
use tfw_scenarios::check::*;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/check")
        .join(name)
}

fn opts() -> LoadOptions {
    LoadOptions {
        vars: Vars::defaults(),
        ..Default::default()
    }
}

fn load(text: &str, opts: &LoadOptions) -> CheckPlan {
    load_sources(&[("t.toml".to_owned(), text.to_owned())], opts).unwrap()
}

#[test]
fn docs_example_expands_its_matrix_in_written_order() {
    let plan = load_paths(&[testdata("forward.toml")], &opts()).unwrap();
    let names: Vec<&str> = plan.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "forward.forward_get[h1-small]",
            "forward.forward_get[h1-big]",
            "forward.forward_get[h2-small]",
            "forward.forward_get[h2-big]",
        ]
    );
    let markers: Vec<&str> = plan.cases.iter().map(|c| c.marker.as_str()).collect();
    assert_eq!(markers, ["c0", "c1", "c2", "c3"]);
    assert_eq!(plan.parallel, 32);
    assert_eq!(plan.cpu, None);
    assert_eq!(plan.backends.len(), 1);
    assert_eq!(plan.backends[0].name, "origin");
    assert_eq!(plan.backends[0].listen, "127.0.0.1:8000".parse().unwrap());
    assert_eq!(plan.clients.len(), 2);
    let (h1, h2) = (&plan.clients[0], &plan.clients[1]);
    assert_eq!(
        (h1.proto, h1.tls.is_none(), h1.scheme.as_str()),
        (ClientProto::H1, true, "http")
    );
    assert_eq!(h1.authority, "127.0.0.1:80");
    let tls = h2.tls.as_ref().unwrap();
    assert_eq!((h2.proto, h2.scheme.as_str()), (ClientProto::H2, "https"));
    assert_eq!(tls.alpn, [b"h2".to_vec()]);
    assert_eq!(tls.server_name, "127.0.0.1");
    assert!(tls.roots.is_none());
    assert!(h2.preface && h2.auto_ack && h2.settings.is_empty());

    for (case, (client, size)) in
        plan.cases
            .iter()
            .zip([(0, 10), (0, 1 << 20), (1, 10), (1, 1 << 20)])
    {
        assert_eq!(case.timeout, Duration::from_secs(2));
        assert_eq!(case.profile, Profile::Nginx);
        assert!(
            !case.alone && case.skip.is_none() && case.setup.is_empty() && case.cleanup.is_empty()
        );
        assert!(case.file.ends_with("forward.toml"));
        let [Step::Script {
            backend: 0,
            responses,
        }, Step::Send {
            client: c,
            requests,
            wait: true,
        }, Step::Expect(resp), Step::Expect(fwd)] = case.steps.as_slice()
        else {
            panic!("{:?}", case.steps)
        };
        assert_eq!(responses.len(), 1);
        let r = &responses[0];
        assert_eq!(
            (r.status, r.body.len(), r.action),
            (200, size, ResponseAction::Keep)
        );
        assert_eq!(&r.body[..5], b"abcde");
        assert_eq!(r.body.get(26).copied().unwrap_or(b'a'), b'a');
        assert_eq!(
            r.headers,
            [("content-type".to_owned(), "text/plain".to_owned())]
        );
        assert_eq!(*c, client);
        assert_eq!(
            requests,
            &[Request {
                method: "GET".into(),
                target: "/index.html".into(),
                version: "HTTP/1.1".into(),
                authority: None,
                headers: vec![("accept".into(), "*/*".into())],
                body: vec![],
                chunked: None,
            }]
        );
        assert!(
            matches!(resp.subject, Subject::Response { client: c, index: None } if c == client)
        );
        let [Check::Status(200), Check::Header {
            name: ct,
            pred: Pred::Equals(text),
        }, Check::Header {
            name: cl,
            pred: Pred::Matches(re),
        }, Check::BodySize(n)] = resp.checks.as_slice()
        else {
            panic!("{:?}", resp.checks)
        };
        assert_eq!(
            (ct.as_str(), text.as_str(), cl.as_str()),
            ("content-type", "text/plain", "content-length")
        );
        assert!(re.0.is_match("123") && !re.0.is_match("12a"));
        assert_eq!(*n, size);
        assert!(matches!(
            fwd.subject,
            Subject::Forwarded { client: c, sent: 0, backend: 0, index: 0 } if c == client
        ));
    }
}

#[test]
fn testbed_values_fill_templates() {
    let vars = Vars::from_testbed(&testdata("testbed.toml")).unwrap();
    assert_eq!(vars.get("server_port"), Some("8081"));
    assert_eq!(vars.get("client_ip"), Some("127.0.0.1"), "defaults stay");
    let text = r#"
[backends.b]
listen = "${server_ip}:${server_port}"
[clients.c]
connect = "${tempesta_ip}:${tempesta_port}"
proto = "h2"
tls = true
enabled = "${tempesta_h2}"
disabled_reason = "no h2 on ${tempesta_ip}"
[[case]]
name = "t"
[[case.step]]
raw = "GET /$${x}?m=${marker} HTTP/1.1\r\nx-tfw-check: ${marker}\r\n\r\n"
"#;
    let plan = load(text, &LoadOptions { vars, ..opts() });
    assert_eq!(plan.backends[0].listen, "127.0.0.2:8081".parse().unwrap());
    assert_eq!(plan.clients[0].connect, "127.0.0.3:8443".parse().unwrap());
    assert_eq!(plan.clients[0].authority, "127.0.0.3:8443");
    let case = &plan.cases[0];
    assert_eq!(case.skip.as_deref(), Some("no h2 on 127.0.0.3"));
    let [Step::SendRaw { client: 0, bytes }] = case.steps.as_slice() else {
        panic!("{:?}", case.steps)
    };
    assert_eq!(bytes, b"GET /${x}?m=c0 HTTP/1.1\r\nx-tfw-check: c0\r\n\r\n");
}

#[test]
fn a_directory_loads_its_toml_files_sorted_and_shares_backends_by_address() {
    let plan = load_paths(&[testdata("pack")], &opts()).unwrap();
    let names: Vec<&str> = plan.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a_first.one", "b_second.two"]);
    assert_eq!(plan.backends.len(), 2, "{:?}", plan.backends);
    assert_eq!(plan.backends[0].name, "origin");
    assert_eq!(
        plan.backends[1].segmenting,
        Segmenting {
            size: 3,
            gap: Duration::from_millis(1)
        }
    );
    assert_eq!(plan.clients.len(), 2, "clients are per file");
    assert_eq!(plan.clients[0].authority, "example.com");
    let two = &plan.cases[1];
    assert_eq!(
        (two.timeout, two.profile),
        (Duration::from_millis(250), Profile::Tempesta)
    );
    assert_eq!(
        (plan.cases[0].timeout, plan.cases[0].profile),
        (DEFAULT_TIMEOUT, Profile::Generic)
    );
    assert!(matches!(two.steps[0], Step::Script { backend: 1, .. }));
    assert!(matches!(two.steps[1], Step::Send { client: 1, .. }));
    assert!(matches!(
        two.steps[2],
        Step::Expect(Expectation {
            subject: Subject::BackendRequest {
                backend: 0,
                index: None
            },
            ..
        })
    ));
    assert_ne!(plan.cases[0].marker, two.marker);
}

#[test]
fn run_overrides_replace_every_segmenting_profile_and_timeout() {
    let seg = Segmenting {
        size: 1,
        gap: Duration::from_millis(2),
    };
    let o = LoadOptions {
        segmenting: Some(seg),
        profile: Some(Profile::Tempesta),
        timeout: Some(Duration::from_secs(9)),
        ..opts()
    };
    let plan = load_paths(
        &[
            testdata("pack/a_first.toml"),
            testdata("pack/b_second.toml"),
        ],
        &o,
    )
    .unwrap();
    assert!(plan.backends.iter().all(|b| b.segmenting == seg));
    assert!(plan.clients.iter().all(|c| c.segmenting == seg));
    assert!(plan
        .cases
        .iter()
        .all(|c| c.profile == Profile::Tempesta && c.timeout == Duration::from_secs(9)));
}

#[test]
fn disabled_clients_and_cases_are_skipped_with_their_reason() {
    let text = r#"
[defaults]
alone = true
[clients.on]
connect = "127.0.0.1:1"
[clients.off]
connect = "127.0.0.1:2"
enabled = false
[[case]]
name = "uses_on"
[[case.step]]
client = "on"
send = {}
[[case]]
name = "uses_off"
[[case.step]]
client = "off"
expect = "closed"
[[case]]
name = "off_by_template"
matrix = { on = [true, false] }
enabled = "${on}"
disabled_reason = "off in this run"
[[case.step]]
client = "on"
close = true
reset = true
[[case]]
name = "skipped"
skip = "known bug"
alone = false
[[case.step]]
client = "on"
connect = true
"#;
    let plan = load(text, &opts());
    let skips: Vec<(&str, Option<&str>, bool)> = plan
        .cases
        .iter()
        .map(|c| (c.name.as_str(), c.skip.as_deref(), c.alone))
        .collect();
    assert_eq!(
        skips,
        [
            ("t.uses_on", None, true),
            ("t.uses_off", Some("client off is disabled"), true),
            ("t.off_by_template[true]", None, true),
            ("t.off_by_template[false]", Some("off in this run"), true),
            ("t.skipped", Some("known bug"), false),
        ]
    );
    assert!(matches!(
        plan.cases[2].steps[0],
        Step::Close {
            client: 0,
            reset: true
        }
    ));
    assert!(matches!(
        plan.cases[4].steps[0],
        Step::Connect { client: 0 }
    ));
}

#[test]
fn table_axes_label_cases_with_their_keys() {
    let text = r#"
[backends.b]
listen = "127.0.0.1:1"
[clients.c]
connect = "127.0.0.1:2"
[[case]]
name = "sizes"
matrix = { method = ["GET", "POST"], size = { empty = 0, k64 = "64KiB" }, te = { plain = false, chunked = true } }
[[case.step]]
send = { method = "${method}", body_size = "${size}", chunked = "${te}" }
"#;
    let plan = load(text, &opts());
    let names: Vec<&str> = plan.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), 8);
    assert_eq!(names[0], "t.sizes[GET-empty-plain]");
    assert_eq!(names[3], "t.sizes[GET-k64-chunked]");
    assert_eq!(names[7], "t.sizes[POST-k64-chunked]");
    let Step::Send { requests, .. } = &plan.cases[7].steps[0] else {
        panic!()
    };
    assert_eq!(
        (requests[0].method.as_str(), requests[0].body.len()),
        ("POST", 64 << 10)
    );
    assert_eq!(requests[0].chunked, Some(Chunking::default()));
    let Step::Send { requests, .. } = &plan.cases[0].steps[0] else {
        panic!()
    };
    assert_eq!(
        (requests[0].body.len(), requests[0].chunked.clone()),
        (0, None)
    );
}

/// The first ```toml block of docs/check.md.
fn docs_example() -> String {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/check.md"))
            .unwrap();
    let start = docs.find("```toml\n").unwrap() + 8;
    docs[start..][..docs[start..].find("```").unwrap()].to_owned()
}

#[test]
fn docs_example_loads_and_its_errors_read_as_documented() {
    let example = docs_example();
    let plan = load_sources(&[("forward.toml".to_owned(), example.clone())], &opts()).unwrap();
    assert_eq!(plan.cases.len(), 4);
    assert_eq!(plan.cases[1].name, "forward.forward_get[h1-big]");
    let bad = example.replace("{ matches = \"^[0-9]+$\" }", "{ matches = \"(\" }");
    let e = load_sources(&[("forward.toml".to_owned(), bad)], &opts()).unwrap_err();
    let bad = example.replace("tls = true", "tsl = true");
    let e2 = load_sources(&[("forward.toml".to_owned(), bad)], &opts()).unwrap_err();
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/check.md"))
            .unwrap();
    for e in [e, e2] {
        let line = e.to_string();
        let shown = line.split(" (expected one of").next().unwrap();
        assert!(docs.contains(shown), "docs/check.md should show: {line}");
    }
}

#[test]
fn tls_keys_follow_a_templated_tls() {
    let text = r#"
[clients.c]
connect = "localhost:8443"
tls = "${tls}"
alpn = ["http/1.1"]
sni = "proxy.test"
[[case]]
name = "x"
[[case.step]]
send = {}
"#;
    for (tls, on) in [("true", true), ("false", false)] {
        let mut o = opts();
        o.vars.set("tls", tls);
        let plan = load(text, &o);
        let c = &plan.clients[0];
        assert!(
            c.connect.ip().is_loopback(),
            "a name is resolved: {}",
            c.connect
        );
        assert_eq!(c.connect.port(), 8443);
        assert_eq!(c.authority, "localhost:8443");
        assert_eq!(c.tls.is_some(), on);
        assert_eq!(c.scheme, if on { "https" } else { "http" });
        if let Some(t) = &c.tls {
            assert_eq!(
                (t.server_name.as_str(), &t.alpn[..]),
                ("proxy.test", &[b"http/1.1".to_vec()][..])
            );
        }
    }
}

//! The load client against the built-in target's server, both sans-IO, bytes passed in
//! memory: every stream of a run is answered once, bodies larger than the windows arrive
//! whole, a request body larger than the server's window goes through, and a request limit
//! (GOAWAY) refuses exactly the streams above the GOAWAY's last id, which the client reports
//! as refused, never as answered.

use super::client::{request_from_h1, ClientSettings, H2Client, H2Sink};
use super::server::{response_from_h1, Fields, H2RequestSink, H2Server};
use crate::proto::h1::{build_request, build_response};

#[derive(Default)]
struct Ends {
    responses: Vec<(u32, u16, u64)>,
    resets: u32,
    refused: u32,
    goaways: u32,
}

impl H2Sink for Ends {
    fn response(&mut self, slot: u32, status: u16, body_len: u64) {
        self.responses.push((slot, status, body_len));
    }
    fn reset(&mut self, _slot: u32, _code: u32) {
        self.resets += 1;
    }
    fn refused(&mut self, _slot: u32) {
        self.refused += 1;
    }
    fn goaway(&mut self, _last: u32, _code: u32) {
        self.goaways += 1;
    }
}

#[derive(Default)]
struct Requests {
    got: Vec<(u32, Vec<u8>, u64)>,
}

impl H2RequestSink for Requests {
    fn request(&mut self, stream: u32, fields: &Fields, body_len: u64) {
        let method = fields.get(b":method").unwrap_or_default().to_vec();
        self.got.push((stream, method, body_len));
    }
}

/// Passes bytes both ways, answering every complete request at once, until neither side
/// has anything to say. Returns the server's requests.
fn pump(
    c: &mut H2Client,
    s: &mut H2Server,
    resp: &super::server::H2Response,
    to_server: &mut Vec<u8>,
    ends: &mut Ends,
) -> Requests {
    let mut reqs = Requests::default();
    let mut answered = 0;
    for _ in 0..10_000 {
        let mut to_client = Vec::new();
        let chunk = std::mem::take(to_server);
        s.feed(&chunk, &mut to_client, &mut reqs).unwrap();
        while answered < reqs.got.len() {
            s.respond(reqs.got[answered].0, resp, &mut to_client);
            answered += 1;
        }
        if chunk.is_empty() && to_client.is_empty() {
            break;
        }
        c.feed(&to_client, to_server, ends).unwrap();
    }
    reqs
}

fn get(body: &[u8]) -> (super::client::H2Request, Vec<u8>) {
    let wire = build_request("POST", "/x", "127.0.0.1:8000", &[], body);
    (request_from_h1(&wire, "http").unwrap(), wire)
}

#[test]
fn every_stream_is_answered_once_with_the_whole_body() {
    let mut c = H2Client::new(&ClientSettings {
        max_streams: 10,
        stream_window: 65_535,
        conn_window: 65_535,
        max_frame: 16_384,
    });
    let mut s = H2Server::new(128);
    let body = vec![b'z'; 200_000];
    let resp = response_from_h1(&build_response(200, &[], &body, false)).unwrap();
    let (req, _) = get(b"");
    let mut out = Vec::new();
    c.start(&mut out);
    let mut ends = Ends::default();
    let mut total = 0;
    while total < 100 {
        while c.can_open() && c.inflight() < 10 {
            c.open(&req, &mut out).unwrap();
        }
        pump(&mut c, &mut s, &resp, &mut out, &mut ends);
        total = ends.responses.len();
    }
    assert_eq!(ends.responses.len(), 100);
    assert!(ends
        .responses
        .iter()
        .all(|&(slot, st, len)| slot < 10 && st == 200 && len == 200_000));
    assert_eq!((ends.resets, ends.refused, ends.goaways), (0, 0, 0));
    assert_eq!(c.inflight(), 0);
}

#[test]
fn a_request_body_larger_than_the_servers_window_arrives_whole() {
    let mut c = H2Client::new(&ClientSettings::default());
    let mut s = H2Server::new(128);
    let resp = response_from_h1(&build_response(201, &[], b"ok", false)).unwrap();
    let (req, _) = get(&vec![b'p'; 300_000]);
    let mut out = Vec::new();
    c.start(&mut out);
    c.open(&req, &mut out).unwrap();
    let mut ends = Ends::default();
    let reqs = pump(&mut c, &mut s, &resp, &mut out, &mut ends);
    assert_eq!(reqs.got, vec![(1, b"POST".to_vec(), 300_000)]);
    assert_eq!(ends.responses, vec![(0, 201, 2)]);
}

#[test]
fn a_request_limit_refuses_exactly_the_streams_above_the_goaway() {
    let mut c = H2Client::new(&ClientSettings {
        max_streams: 8,
        ..ClientSettings::default()
    });
    let mut s = H2Server::new(128);
    s.set_request_limit(5);
    let resp = response_from_h1(&build_response(200, &[], b"ok", false)).unwrap();
    let (req, _) = get(b"");
    let mut out = Vec::new();
    c.start(&mut out);
    for _ in 0..8 {
        c.open(&req, &mut out).unwrap();
    }
    let mut ends = Ends::default();
    let reqs = pump(&mut c, &mut s, &resp, &mut out, &mut ends);
    assert_eq!(reqs.got.len(), 5, "the server processed streams 1..=9");
    assert_eq!(ends.responses.len(), 5);
    assert_eq!(ends.refused, 3);
    assert_eq!(ends.goaways, 1);
    assert_eq!(ends.resets, 0);
    assert!(c.closing() && c.inflight() == 0 && !c.can_open());
    assert!(s.is_done());
}

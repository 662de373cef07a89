//! What the wire's unit tests share: client definitions and requests.

use crate::check::plan::{Chunking, ClientDef, ClientProto, Request, Response, ResponseAction};

pub fn def(proto: ClientProto) -> ClientDef {
    ClientDef {
        name: "c".into(),
        connect: "127.0.0.1:80".parse().unwrap(),
        proto,
        tls: None,
        authority: "proxy.test".into(),
        scheme: "http".into(),
        segmenting: Default::default(),
        settings: vec![],
        preface: true,
        auto_ack: true,
    }
}

pub fn req(method: &str, target: &str) -> Request {
    Request {
        method: method.into(),
        target: target.into(),
        version: "HTTP/1.1".into(),
        authority: None,
        headers: vec![],
        body: vec![],
        chunked: None,
    }
}

pub fn resp(status: u16, body: &[u8]) -> Response {
    Response {
        status,
        reason: None,
        version: "HTTP/1.1".into(),
        headers: vec![],
        body: body.to_vec(),
        chunked: None,
        raw: None,
        delay: Default::default(),
        batch: 0,
        action: ResponseAction::Keep,
    }
}

pub fn chunking(sizes: &[usize], ext: &str, trailers: &[(&str, &str)]) -> Chunking {
    Chunking {
        sizes: sizes.to_vec(),
        extension: ext.into(),
        trailers: pairs(trailers),
    }
}

pub fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

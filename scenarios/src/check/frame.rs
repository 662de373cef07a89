//! FRAME tables: HTTP/2 frames a case sends as they are (any flags, padding, priority, header
//! blocks HPACK-encoded or as bytes, unknown types).

use tfw_engine::check::{Frame, HeaderBlock, Indexing};

use super::message::body_keys;
use super::node::{Res, Tab, Val};
use super::peers::settings;

/// A step's `frames`: an array of FRAME tables.
pub(crate) fn frames(v: &Val) -> Res<Vec<Frame>> {
    let items = v.array()?;
    if items.is_empty() {
        return Err(v.err("expected at least one frame"));
    }
    items.iter().map(frame).collect()
}

const TYPES: &str = "settings, headers, continuation, data, window_update, rst_stream, ping, priority, goaway or a number";

fn frame(v: &Val) -> Res<Frame> {
    let t = v.table()?;
    let kind_val = t.req("type")?;
    let frame = if kind_val.is_str() {
        match kind_val.string()?.as_str() {
            "settings" => Frame::Settings {
                ack: flag(&t, "ack", false)?,
                params: t.get("params").map_or(Ok(Vec::new()), |v| settings(&v))?,
            },
            "headers" => Frame::Headers {
                stream: stream(&t)?,
                end_stream: flag(&t, "end_stream", false)?,
                end_headers: flag(&t, "end_headers", true)?,
                pad: t.get("pad").map(|v| v.uint()).transpose()?,
                priority: t.get("priority").map(|v| priority(&v)).transpose()?,
                block: block(&t)?,
            },
            "continuation" => Frame::Continuation {
                stream: stream(&t)?,
                end_headers: flag(&t, "end_headers", true)?,
                block: block(&t)?,
            },
            "data" => Frame::Data {
                stream: stream(&t)?,
                end_stream: flag(&t, "end_stream", false)?,
                pad: t.get("pad").map(|v| v.uint()).transpose()?,
                payload: body_keys(&t, ["payload", "payload_hex", "payload_size"])?,
            },
            "window_update" => Frame::WindowUpdate {
                stream: t.get("stream").map_or(Ok(0), |v| stream_id(&v))?,
                increment: t.req("increment")?.uint()?,
            },
            "rst_stream" => Frame::RstStream {
                stream: stream(&t)?,
                code: t.req("code")?.error_code()?,
            },
            "ping" => Frame::Ping {
                ack: flag(&t, "ack", false)?,
                payload: match t.get("payload_hex") {
                    None => [0; 8],
                    Some(v) => v
                        .hex()?
                        .try_into()
                        .map_err(|_| v.err("a PING payload is 8 bytes (16 hex digits)"))?,
                },
            },
            "priority" => {
                let (dependency, exclusive, weight) = priority_fields(&t)?;
                Frame::Priority {
                    stream: stream(&t)?,
                    dependency,
                    exclusive,
                    weight,
                }
            }
            "goaway" => Frame::Goaway {
                last_stream: t.get("last_stream").map_or(Ok(0), |v| stream_id(&v))?,
                code: t.get("code").map_or(Ok(0), |v| v.error_code())?,
                debug: t.get("debug").map_or(Ok(Vec::new()), |v| v.bytes())?,
            },
            s => return Err(kind_val.err(format!("unknown frame type {s:?}: {TYPES}"))),
        }
    } else {
        Frame::Raw {
            kind: kind_val.uint()?,
            flags: t.get("flags").map_or(Ok(0), |v| v.uint())?,
            stream: t.get("stream").map_or(Ok(0), |v| stream_id(&v))?,
            payload: body_keys(&t, ["payload", "payload_hex", "payload_size"])?,
        }
    };
    t.finish()?;
    Ok(frame)
}

fn flag(t: &Tab, key: &'static str, default: bool) -> Res<bool> {
    t.get(key).map_or(Ok(default), |v| v.bool())
}

fn stream(t: &Tab) -> Res<u32> {
    stream_id(&t.req("stream")?)
}

/// A stream identifier: 31 bits.
fn stream_id(v: &Val) -> Res<u32> {
    v.range(0, (1 << 31) - 1)
}

/// `priority = { dependency, exclusive, weight }` of a HEADERS frame.
fn priority(v: &Val) -> Res<(u32, bool, u8)> {
    let t = v.table()?;
    let p = priority_fields(&t)?;
    t.finish()?;
    Ok(p)
}

/// `dependency` (0), `exclusive` (false), `weight`: the byte as sent (0-255, the weight
/// minus one; default 15).
fn priority_fields(t: &Tab) -> Res<(u32, bool, u8)> {
    Ok((
        t.get("dependency").map_or(Ok(0), |v| stream_id(&v))?,
        flag(t, "exclusive", false)?,
        t.get("weight").map_or(Ok(15), |v| v.uint())?,
    ))
}

/// A header block: `fields` (HPACK-encoded with `huffman`, `indexing`) or `block_hex`.
fn block(t: &Tab) -> Res<HeaderBlock> {
    match (t.get("fields"), t.get("block_hex")) {
        (Some(_), Some(h)) => Err(h.err("fields and block_hex exclude each other: keep one")),
        (None, Some(h)) => Ok(HeaderBlock::Bytes(h.hex()?)),
        (fields, None) => {
            let fields = fields.map_or(Ok(Vec::new()), |v| v.pairs())?;
            let huffman = flag(t, "huffman", false)?;
            let indexing = match t.get("indexing") {
                None => Indexing::Indexed,
                Some(v) => match v.string()?.as_str() {
                    "indexed" => Indexing::Indexed,
                    "literal" => Indexing::Literal,
                    "never" => Indexing::NeverIndexed,
                    s => {
                        return Err(
                            v.err(format!("unknown indexing {s:?}: indexed, literal or never"))
                        )
                    }
                },
            };
            Ok(HeaderBlock::Fields {
                fields,
                huffman,
                indexing,
            })
        }
    }
}

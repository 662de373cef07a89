//! Frame writers read back by the frame reader, fed whole, split at every byte offset and
//! byte by byte; fixed-size payload parsers; padding.

use super::*;

type Frames = Vec<(Head, Vec<u8>)>;

fn read_all(reader: &mut FrameReader, feeds: &[&[u8]]) -> Result<Frames, H2Error> {
    let mut frames = Vec::new();
    for feed in feeds {
        reader.feed(feed, |head, payload| {
            frames.push((head, payload.to_vec()));
            Ok::<(), H2Error>(())
        })?;
    }
    Ok(frames)
}

/// One of each frame the writers produce, and what the reader must hand out for them.
fn sample() -> (Vec<u8>, Frames) {
    let mut out = Vec::new();
    settings(
        &mut out,
        &[
            (setting::INITIAL_WINDOW_SIZE, 1 << 20),
            (setting::MAX_CONCURRENT_STREAMS, 100),
        ],
    );
    settings_ack(&mut out);
    headers(&mut out, 1, b"\x82\x86\x84", true, 16_384);
    data(&mut out, 3, b"hello", false);
    data(&mut out, 3, b"", true);
    window_update(&mut out, 0, 1_000_000);
    ping(&mut out, true, *b"12345678");
    goaway(&mut out, 7, code::ENHANCE_YOUR_CALM, b"calm");
    rst_stream(&mut out, 5, code::CANCEL);
    let h = |len, kind, flags, stream| Head {
        len,
        kind,
        flags,
        stream,
    };
    let want = vec![
        (
            h(12, Kind::Settings, 0, 0),
            vec![0, 4, 0, 0x10, 0, 0, 0, 3, 0, 0, 0, 100],
        ),
        (h(0, Kind::Settings, flag::ACK, 0), vec![]),
        (
            h(3, Kind::Headers, flag::END_HEADERS | flag::END_STREAM, 1),
            b"\x82\x86\x84".to_vec(),
        ),
        (h(5, Kind::Data, 0, 3), b"hello".to_vec()),
        (h(0, Kind::Data, flag::END_STREAM, 3), vec![]),
        (
            h(4, Kind::WindowUpdate, 0, 0),
            1_000_000u32.to_be_bytes().to_vec(),
        ),
        (h(8, Kind::Ping, flag::ACK, 0), b"12345678".to_vec()),
        (
            h(12, Kind::Goaway, 0, 0),
            b"\0\0\0\x07\0\0\0\x0bcalm".to_vec(),
        ),
        (h(4, Kind::RstStream, 0, 5), vec![0, 0, 0, 8]),
    ];
    (out, want)
}

#[test]
fn writers_round_trip_whole() {
    let (wire, want) = sample();
    let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
    assert_eq!(read_all(&mut reader, &[&wire]).unwrap(), want);
}

#[test]
fn split_at_every_offset() {
    let (wire, want) = sample();
    for i in 0..=wire.len() {
        let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
        let got = read_all(&mut reader, &[&wire[..i], &wire[i..]]).unwrap();
        assert_eq!(got, want, "split at {i}");
    }
    for i in 0..=wire.len() {
        for j in i..=wire.len() {
            let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
            let got = read_all(&mut reader, &[&wire[..i], &wire[i..j], &wire[j..]]).unwrap();
            assert_eq!(got, want, "split at {i} and {j}");
        }
    }
}

#[test]
fn byte_by_byte() {
    let (wire, want) = sample();
    let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
    let feeds: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(read_all(&mut reader, &feeds).unwrap(), want);
}

#[test]
fn too_long_frame_is_frame_size_error_whole_or_split() {
    let mut wire = Vec::new();
    data(&mut wire, 1, &[7u8; 101], false);
    let mut reader = FrameReader::new(100);
    assert_eq!(read_all(&mut reader, &[&wire]), Err(H2Error::FrameSize));
    let mut reader = FrameReader::new(100);
    assert_eq!(
        read_all(&mut reader, &[&wire[..4], &wire[4..]]),
        Err(H2Error::FrameSize)
    );
    // Exactly max_frame is fine, and raising the limit lets the longer frame through.
    let mut reader = FrameReader::new(101);
    assert_eq!(
        read_all(&mut reader, &[&wire]).unwrap()[0].1,
        vec![7u8; 101]
    );
    let mut reader = FrameReader::new(100);
    reader.set_max_frame(DEFAULT_MAX_FRAME);
    assert_eq!(read_all(&mut reader, &[&wire]).unwrap().len(), 1);
}

#[test]
fn callback_error_stops_the_feed() {
    let (wire, _) = sample();
    let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
    let mut seen = 0;
    let r = reader.feed(&wire, |_, _| {
        seen += 1;
        if seen == 2 {
            Err(H2Error::Protocol("stop"))
        } else {
            Ok(())
        }
    });
    assert_eq!(r, Err(H2Error::Protocol("stop")));
    assert_eq!(seen, 2);
}

#[test]
fn headers_split_into_continuations() {
    let block: Vec<u8> = (0..40).collect();
    let mut wire = Vec::new();
    headers(&mut wire, 9, &block, true, 16);
    let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
    let got = read_all(&mut reader, &[&wire]).unwrap();
    let kinds: Vec<_> = got
        .iter()
        .map(|(h, p)| (h.kind, h.flags, h.stream, p.len()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Kind::Headers, flag::END_STREAM, 9, 16),
            (Kind::Continuation, 0, 9, 16),
            (Kind::Continuation, flag::END_HEADERS, 9, 8),
        ]
    );
    let joined: Vec<u8> = got.iter().flat_map(|(_, p)| p.clone()).collect();
    assert_eq!(joined, block);

    // An exact multiple of max_frame: the last CONTINUATION is full and ends the block.
    let mut wire = Vec::new();
    headers(&mut wire, 1, &block[..32], false, 16);
    let got = read_all(&mut FrameReader::new(DEFAULT_MAX_FRAME), &[&wire]).unwrap();
    let kinds: Vec<_> = got
        .iter()
        .map(|(h, p)| (h.kind, h.flags, p.len()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Kind::Headers, 0, 16),
            (Kind::Continuation, flag::END_HEADERS, 16),
        ]
    );
}

#[test]
fn reserved_bit_and_unknown_kinds() {
    let head = Head::parse(&[0, 0, 2, 0xfa, 0xff, 0x80, 0, 0, 3]);
    assert_eq!(head.len, 2);
    assert_eq!(head.kind, Kind::Unknown(0xfa));
    assert_eq!(head.flags, 0xff);
    assert_eq!(head.stream, 3);
    for b in 0..=255u8 {
        assert_eq!(Kind::from_u8(b).to_u8(), b);
    }
}

#[test]
fn settings_payloads() {
    let mut out = Vec::new();
    settings(&mut out, &[(setting::MAX_FRAME_SIZE, 1 << 14), (0x99, 1)]);
    let got: Vec<_> = parse_settings(&out[HEAD_LEN..]).unwrap().collect();
    assert_eq!(got, vec![(setting::MAX_FRAME_SIZE, 1 << 14), (0x99, 1)]);
    assert_eq!(parse_settings(&[]).unwrap().count(), 0);
    assert!(matches!(parse_settings(&[0; 7]), Err(H2Error::FrameSize)));
}

#[test]
fn fixed_size_payloads() {
    assert_eq!(parse_window_update(&[0x80, 0, 1, 0]), Ok(256));
    assert_eq!(parse_window_update(&[0, 1, 0]), Err(H2Error::FrameSize));
    assert_eq!(parse_rst_stream(&[0, 0, 0, 7]), Ok(code::REFUSED_STREAM));
    assert_eq!(parse_rst_stream(&[0; 5]), Err(H2Error::FrameSize));
    assert_eq!(parse_ping(b"abcdefgh"), Ok(*b"abcdefgh"));
    assert_eq!(parse_ping(b"abc"), Err(H2Error::FrameSize));
    assert_eq!(
        parse_goaway(b"\x80\0\0\x05\0\0\0\x01dbg"),
        Ok((5, code::PROTOCOL_ERROR, &b"dbg"[..]))
    );
    assert_eq!(parse_goaway(&[0; 7]), Err(H2Error::FrameSize));
}

#[test]
fn padding_and_priority_stripped() {
    let h = |kind, flags, len| Head {
        len,
        kind,
        flags,
        stream: 1,
    };
    let plain = h(Kind::Data, 0, 3);
    assert_eq!(unpad(&plain, b"abc"), Ok(&b"abc"[..]));
    let padded = h(Kind::Data, flag::PADDED, 6);
    assert_eq!(unpad(&padded, b"\x02abcXX"), Ok(&b"abc"[..]));
    assert_eq!(unpad(&padded, b"\x00"), Ok(&b""[..]));
    assert!(matches!(
        unpad(&padded, b"\x03ab"),
        Err(H2Error::Protocol(_))
    ));
    assert!(matches!(unpad(&padded, b""), Err(H2Error::Protocol(_))));
    let both = h(Kind::Headers, flag::PADDED | flag::PRIORITY, 10);
    assert_eq!(
        unpad(&both, b"\x01\0\0\0\x03\x10\x82\x84Z"),
        Ok(&b"\x82\x84"[..])
    );
    assert!(matches!(
        unpad(&both, b"\x01\0\0"),
        Err(H2Error::Protocol(_))
    ));
    // PRIORITY means nothing on DATA.
    let data_prio = h(Kind::Data, flag::PRIORITY, 2);
    assert_eq!(unpad(&data_prio, b"ab"), Ok(&b"ab"[..]));
}

#[test]
fn error_codes_and_messages() {
    assert_eq!(H2Error::FrameSize.code(), code::FRAME_SIZE_ERROR);
    assert_eq!(H2Error::FlowControl.code(), code::FLOW_CONTROL_ERROR);
    assert_eq!(H2Error::Protocol("x").code(), code::PROTOCOL_ERROR);
    assert_eq!(
        H2Error::Compression("x".into()).code(),
        code::COMPRESSION_ERROR
    );
    let goaway = H2Error::Goaway {
        code: code::ENHANCE_YOUR_CALM,
    };
    assert_eq!(goaway.code(), code::ENHANCE_YOUR_CALM);
    assert!(goaway.to_string().contains("ENHANCE_YOUR_CALM"), "{goaway}");
}

//! Where a connection's requests are recorded (`--record`): a leaf both protocols
//! (`h1.rs`, `h2.rs`) write through.

use crate::proto::h1::RequestHead;
use crate::worker::record::Record;

/// The worker's lines not yet written, and the connection's count of requests.
pub(super) struct Rec<'a> {
    pub(super) lines: &'a mut Vec<u8>,
    pub(super) worker: usize,
    pub(super) conn: u64,
    pub(super) recorded: &'a mut u64,
}

impl Rec<'_> {
    /// Records the connection's next request (a head that could not be parsed takes its
    /// index but writes no line).
    pub(super) fn write(
        &mut self,
        head: Option<RequestHead>,
        body_len: u64,
        protocol: Option<&str>,
    ) {
        if let Some(head) = head {
            let mut line = Record::new(self.worker, self.conn, *self.recorded, head, body_len);
            line.protocol = protocol.map(str::to_string);
            line.write_line(self.lines);
        }
        *self.recorded += 1;
    }
}

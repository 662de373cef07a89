//! A request's header fields as the built-in target's server side decoded them, kept in one
//! buffer per stream slot (reused, so steady state allocates nothing) and handed to the
//! worker's `H2RequestSink`.

/// A request's fields as decoded (pseudo-fields included, in order), kept in one buffer.
#[derive(Debug, Default)]
pub struct Fields {
    bytes: Vec<u8>,
    /// (name end, value end) offsets into `bytes`; each field starts where the last ended.
    ends: Vec<(u32, u32)>,
}

impl Fields {
    pub(super) fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    pub(super) fn push(&mut self, name: &[u8], value: &[u8]) {
        self.bytes.extend_from_slice(name);
        let n = self.bytes.len() as u32;
        self.bytes.extend_from_slice(value);
        self.ends.push((n, self.bytes.len() as u32));
    }

    /// Every field as (name, value), in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        let mut start = 0usize;
        self.ends.iter().map(move |&(n, v)| {
            let (n, v) = (n as usize, v as usize);
            let field = (&self.bytes[start..n], &self.bytes[n..v]);
            start = v;
            field
        })
    }

    /// The first field named `name`.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

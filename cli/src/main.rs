//! The `tfw-bench` executable: everything is in the crate's library (`lib.rs`).

#![forbid(unsafe_code)]

fn main() {
    tfw_bench::main()
}

//! Test-bed control: what tempesta-test does over paramiko, done here with host keys verified.
//!
//! - [`file`]: the test-bed file (TOML, tempesta-test's `tests_config.ini` sections and keys),
//!   its commented defaults, the import of a `tests_config.ini`, `${section_key}` values, and
//!   the programs each role needs (`testbed check`).
//! - [`host`]: a host to run commands on and move files to and from: over SSH (the ssh2
//!   crate; known_hosts verified, key or agent authentication, timeouts everywhere, SFTP) or
//!   this machine when `hostname = "localhost"`, through the same [`host::Host`] trait.
//!   Commands are built as argument vectors and quoted for the remote shell.
//! - [`target`]: the target on its host: Tempesta through `scripts/tempesta.sh` (ready line in
//!   the kernel log) or any `command` target (start/stop/reload commands, ready URL).
//! - [`perfstat`], [`counters`], [`kernel_log`]: sans-IO parsing of `/proc/tempesta/perfstat`,
//!   nginx's stub_status and the kernel log, tested on recorded real output.
//!
//! Nothing here knows the load engine: the CLI (`tfw-bench remote`, `testbed`, `--testbed`)
//! puts the two together.

pub mod counters;
pub mod file;
pub mod host;
pub mod kernel_log;
pub mod perfstat;
pub mod target;

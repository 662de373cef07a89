//! The default values of a test-bed file, and the commented default file that
//! `tfw-bench testbed defaults` prints.
//!
//! Taken from tempesta-test's `framework/helpers/tf_cfg.py` (`TestFrameworkCfg.defaults`,
//! repository tempesta-tech/tempesta-test): hostname `localhost`, user `root`, port 22, no
//! key, `[tempesta]` srcdir `/root/tempesta`, workdir `/tmp/tempesta`, config
//! `tempesta.conf`, interfaces empty (all), `[client]` workdir `/tmp/client`, `[server]`
//! workdir `/tmp/nginx`. One difference: tf_cfg.py gives the client `127.0.0.2` and the
//! server `127.0.0.3`; here every `ip` defaults to `127.0.0.1`, as in that repository's
//! `tests_config.ini.sample` and as `tfw-bench check` assumes without a test-bed file.
//! The `[general]` keys are tfw-bench's own (tempesta-test has no host-key check and no
//! timeouts to configure).

pub const IP: &str = "127.0.0.1";
pub const HOSTNAME: &str = "localhost";
pub const PORT: u16 = 22;
pub const USER: &str = "root";
pub const CLIENT_WORKDIR: &str = "/tmp/client";
pub const TEMPESTA_WORKDIR: &str = "/tmp/tempesta";
pub const SERVER_WORKDIR: &str = "/tmp/nginx";
pub const SRCDIR: &str = "/root/tempesta";
pub const CONFIG: &str = "tempesta.conf";
pub const INTERFACES: &str = "";
pub const KNOWN_HOSTS: &str = "~/.ssh/known_hosts";
pub const CONNECT_TIMEOUT: &str = "10s";
pub const COMMAND_TIMEOUT: &str = "60s";
pub const READY_TIMEOUT: &str = "30s";

/// The default workdir of a host role.
pub fn workdir(role: &str) -> &'static str {
    match role {
        "client" => CLIENT_WORKDIR,
        "server" => SERVER_WORKDIR,
        _ => TEMPESTA_WORKDIR,
    }
}

/// The commented default test-bed file: every key with its default and what it is for; the
/// `kind = "command"` keys as a commented example. [`crate::file::Testbed::parse`] accepts
/// it as it is.
pub fn default_text() -> String {
    let host = |role: &str, what: &str| {
        format!(
            "# Address of the {what} in the test network: what the other roles send to\n\
             # (${{{role}_ip}} in check files).\n\
             ip = \"{IP}\"\n\
             # SSH host name or address; \"localhost\" runs on this machine, without SSH.\n\
             hostname = \"{HOSTNAME}\"\n\
             # SSH port.\n\
             port = {PORT}\n\
             # SSH user.\n\
             user = \"{USER}\"\n\
             # Private key file (`~` is your home, a relative path is relative to this file;\n\
             # it must not be readable by others). Absent: the SSH agent, then ~/.ssh/id_*.\n\
             # ssh_key = \"~/.ssh/id_ed25519\"\n\
             # Working directory on that host.\n\
             workdir = \"{}\"\n",
            workdir(role)
        )
    };
    format!(
        "# tfw-bench test-bed file (`tfw-bench testbed defaults`): where the client, the target\n\
         # ([tempesta]) and the servers are, how to reach them, and how to control the target.\n\
         # Sections and keys are those of tempesta-test's tests_config.ini; keys tfw-bench does\n\
         # not know (ab, wrk, nginx, resources, ...) are kept as ${{section_key}} values for\n\
         # check files. Reference: docs/testbed.md.\n\
         \n\
         [general]\n\
         # OpenSSH known_hosts file: every SSH host's key is verified against it. An unknown\n\
         # host is refused unless --accept-new-host-key (then its key is added here); a\n\
         # changed key is always refused.\n\
         known_hosts = \"{KNOWN_HOSTS}\"\n\
         # Bound on a TCP connect plus the SSH handshake and authentication.\n\
         connect_timeout = \"{CONNECT_TIMEOUT}\"\n\
         # Bound on every remote command (durations: \"500ms\", \"10s\", \"2m\", \"1h\").\n\
         command_timeout = \"{COMMAND_TIMEOUT}\"\n\
         # Bound on the target being ready after a start or a reload.\n\
         ready_timeout = \"{READY_TIMEOUT}\"\n\
         # Kernel-log lines matching any of these regular expressions are not findings.\n\
         dmesg_ignore = []\n\
         \n\
         [client]\n\
         # The host tfw-bench runs the load from.\n\
         {client}\
         \n\
         [tempesta]\n\
         # The target: Tempesta FW, or any server (kind = \"command\").\n\
         {tempesta}\
         # What to control: \"tempesta\" (scripts/tempesta.sh from srcdir) or \"command\" (the\n\
         # commands below). Absent: no target is controlled; the file only gives addresses\n\
         # and template values.\n\
         # kind = \"tempesta\"\n\
         # Tempesta FW's source tree on that host (kind = \"tempesta\").\n\
         srcdir = \"{SRCDIR}\"\n\
         # Where the config is uploaded, relative to workdir unless absolute.\n\
         config = \"{CONFIG}\"\n\
         # A config file here (relative to this file) uploaded on start and reload, unless a\n\
         # run brings its own.\n\
         # config_file = \"tempesta.conf\"\n\
         # Network devices for tempesta.sh (TFW_DEV), space-separated; empty: all.\n\
         interfaces = \"{INTERFACES}\"\n\
         #\n\
         # Any other target, e.g. an nginx (each command is shell text run by `sh -c` on\n\
         # that host, as that user):\n\
         # kind = \"command\"\n\
         # start = \"nginx -c /tmp/tempesta/nginx.conf\"\n\
         # stop = \"kill $(cat /tmp/tempesta/nginx.pid)\"\n\
         # reload = \"kill -HUP $(cat /tmp/tempesta/nginx.pid)\"\n\
         # status = \"kill -0 $(cat /tmp/tempesta/nginx.pid)\"\n\
         # ready_url = \"http://127.0.0.1:80/\"\n\
         # stats_url = \"http://127.0.0.1:80/status\"\n\
         # config = \"nginx.conf\"\n\
         # config_file = \"nginx.conf\"\n\
         \n\
         [server]\n\
         # The host of the backend servers.\n\
         {server}",
        client = host("client", "client"),
        tempesta = host("tempesta", "target"),
        server = host("server", "backend servers"),
    )
}

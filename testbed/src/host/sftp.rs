//! Files over SFTP. Upload: parent directories made when missing, the data written to
//! `PATH.tmp-<pid>` with its mode, then renamed over PATH, so a reader (Tempesta reading its
//! config, a reload) never sees half a file. OpenSSH's sftp-server speaks SFTP v3, whose
//! rename refuses an existing target (libssh2 sends the overwrite flags only to v5+ servers):
//! then `mv -f` (rename(2), atomic on one file system) does it. Download: read to EOF, never
//! by the reported size, since procfs files (/proc/tempesta/perfstat) report 0.

use super::attempt::{connection_lost, Attempt};
use super::exec;
use super::quote::display_argv;
use super::types::{Cmd, HostError};
use ssh2::{FileStat, OpenFlags, OpenType, RenameFlags, Session, Sftp};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// Bound on the helper commands (mkdir -p, mv -f).
const HELPER_TIMEOUT: Duration = Duration::from_secs(60);

/// The session and the host's name for messages.
struct At<'a> {
    session: &'a Session,
    name: &'a str,
}

fn sftp_err(host: &At, path: &str, what: &str, e: impl std::fmt::Display) -> HostError {
    HostError::Sftp {
        host: host.name.to_string(),
        path: path.to_string(),
        message: format!("{what}: {e}"),
    }
}

/// Runs a helper command; a non-zero exit is an error with its stderr.
fn helper(host: &At, path: &str, cmd: Cmd) -> Result<(), HostError> {
    let out = exec::run(host.session, host.name, &cmd, HELPER_TIMEOUT)?;
    if out.status == 0 {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    Err(sftp_err(
        host,
        path,
        &display_argv(&cmd, 200),
        format!("exit {}: {}", out.status, stderr.trim().replace('\n', "; ")),
    ))
}

fn open_sftp(host: &At, path: &str) -> Result<Sftp, Attempt> {
    host.session.sftp().map_err(|e| Attempt {
        error: sftp_err(host, path, "cannot start SFTP", e.message()),
        // libssh2 reports a lost connection here as a channel failure: look again.
        lost: connection_lost(&e)
            || host
                .session
                .channel_session()
                .is_err_and(|e| connection_lost(&e)),
    })
}

/// Writes `data` to `path` (mode `mode`) atomically, making parent directories.
pub fn upload(
    session: &Session,
    name: &str,
    data: &[u8],
    path: &str,
    mode: i32,
) -> Result<(), Attempt> {
    let host = &At { session, name };
    let sftp = open_sftp(host, path)?;
    let mode = mode as u32 & 0o7777;
    if let Some(parent) = Path::new(path).parent().and_then(|p| p.to_str()) {
        if !parent.is_empty() && sftp.stat(Path::new(parent)).is_err() {
            helper(
                host,
                path,
                Cmd::new("mkdir").arg("-p").arg("--").arg(parent),
            )?;
        }
    }
    let tmp = format!("{path}.tmp-{}", std::process::id());
    let write = || -> Result<(), String> {
        let mut f = sftp
            .open_mode(
                Path::new(&tmp),
                OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::TRUNCATE,
                0o600,
                OpenType::File,
            )
            .map_err(|e| e.message().to_string())?;
        f.write_all(data).map_err(|e| e.to_string())?;
        f.close().map_err(|e| e.message().to_string())?;
        // Explicitly: the mode given to open is subject to the server's umask.
        sftp.setstat(
            Path::new(&tmp),
            FileStat {
                size: None,
                uid: None,
                gid: None,
                perm: Some(mode),
                atime: None,
                mtime: None,
            },
        )
        .map_err(|e| e.message().to_string())
    };
    if let Err(e) = write() {
        let _ = sftp.unlink(Path::new(&tmp));
        return Err(sftp_err(host, path, "cannot write", e).into());
    }
    let flags = RenameFlags::OVERWRITE | RenameFlags::ATOMIC | RenameFlags::NATIVE;
    if sftp
        .rename(Path::new(&tmp), Path::new(path), Some(flags))
        .is_err()
    {
        if let Err(e) = helper(
            host,
            path,
            Cmd::new("mv").arg("-f").arg("--").arg(&tmp).arg(path),
        ) {
            let _ = sftp.unlink(Path::new(&tmp));
            return Err(e.into());
        }
    }
    Ok(())
}

/// Reads `path` to its end.
pub fn download(session: &Session, name: &str, path: &str) -> Result<Vec<u8>, Attempt> {
    let host = &At { session, name };
    let sftp = open_sftp(host, path)?;
    let mut f = sftp
        .open(Path::new(path))
        .map_err(|e| sftp_err(host, path, "cannot open", e.message()))?;
    let mut data = Vec::new();
    f.read_to_end(&mut data)
        .map_err(|e| sftp_err(host, path, "cannot read", e))?;
    Ok(data)
}

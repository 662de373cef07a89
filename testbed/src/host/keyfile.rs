//! Private key files: present, and not open to group or others. OpenSSH refuses a key file
//! others can read or write ("UNPROTECTED PRIVATE KEY FILE!", ssh's sshkey_perm_ok); so do
//! we, so that a key copied carelessly is noticed rather than used. The key's contents are
//! never read here, let alone printed: libssh2 reads the file.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why a key file cannot be used: one line, naming the file, never its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFileProblem {
    pub path: PathBuf,
    pub message: String,
}

/// Checks that `path` is a regular file not accessible by group or others.
pub fn check(path: &Path) -> Result<(), KeyFileProblem> {
    let problem = |message: String| KeyFileProblem {
        path: path.to_path_buf(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            problem("no such key file".to_string())
        } else {
            problem(format!("cannot read key file: {e}"))
        }
    })?;
    if !meta.is_file() {
        return Err(problem("key file is not a regular file".to_string()));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(problem(format!(
            "UNPROTECTED PRIVATE KEY FILE: permissions {mode:04o} are too open \
             (group or others may read it); it is ignored: chmod 600 it"
        )));
    }
    Ok(())
}

/// The default keys OpenSSH tries, in its order, that exist under `home`/.ssh.
pub fn default_keys(home: &Path) -> Vec<PathBuf> {
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| home.join(".ssh").join(n))
        .filter(|p| p.exists())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tfw-keyfile-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn modes() {
        let d = temp("modes");
        let key = d.join("id");
        std::fs::write(&key, "not a real key").unwrap();
        for (mode, ok) in [
            (0o600, true),
            (0o400, true),
            (0o644, false),
            (0o640, false),
            (0o602, false),
        ] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
            let r = check(&key);
            assert_eq!(r.is_ok(), ok, "mode {mode:o}: {r:?}");
            if let Err(e) = r {
                assert!(e.message.contains(&format!("{mode:04o}")), "{}", e.message);
                assert!(e.message.contains("UNPROTECTED PRIVATE KEY FILE"));
                assert!(!e.message.contains("not a real key"));
            }
        }
        let missing = check(&d.join("nope")).unwrap_err();
        assert_eq!(missing.message, "no such key file");
        assert!(check(&d)
            .unwrap_err()
            .message
            .contains("not a regular file"));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn defaults_in_openssh_order() {
        let d = temp("defaults");
        std::fs::create_dir_all(d.join(".ssh")).unwrap();
        assert!(default_keys(&d).is_empty());
        std::fs::write(d.join(".ssh/id_rsa"), "").unwrap();
        std::fs::write(d.join(".ssh/id_ed25519"), "").unwrap();
        assert_eq!(
            default_keys(&d),
            vec![d.join(".ssh/id_ed25519"), d.join(".ssh/id_rsa")]
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}

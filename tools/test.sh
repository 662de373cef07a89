#!/usr/bin/env bash
# The test command, on a fresh machine too: installs the system packages the tests use when
# they are missing (Debian/Ubuntu, as root or with sudo), then runs
#
#   cargo fmt --all --check
#   cargo clippy --all-targets -- -D warnings
#   cargo test --profile test-opt   (release optimisation without LTO: see Cargo.toml)
#
# Extra arguments go to `cargo test` (e.g. tools/test.sh -p tfw-reports).
# `tools/test.sh --packages-only` installs the packages and stops (.ci/run does that first).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------------------
# System packages: command the tests run -> the Debian package that provides it.
# Later issues add theirs here (sshd -> openssh-server, kyua -> kyua, tcpdump -> tcpdump, ...):
# one line in PKG_OF and the command in NEED.
declare -A PKG_OF=(
    [nginx]=nginx
    [openssl]=openssl
    [curl]=curl
    [taskset]=util-linux
    [flock]=util-linux
    [runuser]=util-linux
    [ps]=procps
    [wrk]=wrk
    [ab]=apache2-utils
    [h2load]=nghttp2-client
    [nghttp]=nghttp2-client
    [python3]=python3
    [sshd]=openssh-server
    [ssh-keygen]=openssh-client
    [pkg-config]=pkg-config
)
NEED=(nginx openssl curl taskset flock runuser ps wrk ab h2load nghttp python3 sshd ssh-keygen pkg-config)
# Build inputs that are files, not commands: file -> the Debian package that provides it
# (the ssh2 crate's libssh2-sys compiles against OpenSSL's headers).
declare -A PKG_OF_FILE=(
    [/usr/include/openssl/ssl.h]=libssl-dev
)

install_packages() {
    local SUDO=() missing=() cmd pkg
    for cmd in "${NEED[@]}"; do
        pkg="${PKG_OF[$cmd]}"
        # A command on PATH is enough (nginx lives in /usr/sbin, which a non-root PATH may
        # lack); otherwise its package gets installed. If dpkg says the package is installed
        # yet the command is missing, something is broken.
        if command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ]; then
            printf 'test.sh: %-8s ok (%s)\n' "$cmd" "$(command -v "$cmd" || echo "/usr/sbin/$cmd")" >&2
            continue
        fi
        if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            die "$pkg is installed but $cmd is not on PATH ($PATH)"
        fi
        printf 'test.sh: %-8s MISSING -> apt package %s\n' "$cmd" "$pkg" >&2
        case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    done
    local file
    for file in "${!PKG_OF_FILE[@]}"; do
        pkg="${PKG_OF_FILE[$file]}"
        if [ -e "$file" ]; then
            printf 'test.sh: %-8s ok (%s)\n' "$pkg" "$file" >&2
            continue
        fi
        printf 'test.sh: %-8s MISSING (%s) -> apt package %s\n' "$pkg" "$file" "$pkg" >&2
        case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "all system packages present"
        return
    fi
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "missing packages (${missing[*]}): run as root or with sudo"
        SUDO=(sudo -n)
    fi
    command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get: install them by hand"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed and these packages are missing: ${missing[*]}"
    say "installing: ${missing[*]}"
    # Keep the nginx package from starting the system nginx service (port 80): the tests run
    # their own loopback-only instances. Only if no policy exists.
    local policy_made="" rc=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
        "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
        policy_made=1
    fi
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" </dev/null || rc=$?
    if [ -n "$policy_made" ]; then "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d; fi
    [ "$rc" = 0 ] || die "apt-get install ${missing[*]} failed (exit $rc)"
}

install_packages
if [ "${1:-}" = --packages-only ]; then
    exit 0
fi

# ---------------------------------------------------------------------------
command -v cargo >/dev/null 2>&1 || [ ! -x "$HOME/.cargo/bin/cargo" ] || export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust (https://rustup.rs) with the rustfmt and clippy components"

say "cargo fmt --all --check"
cargo fmt --all --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings
say "cargo test --profile test-opt $*"
cargo test --profile test-opt "$@"

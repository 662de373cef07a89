//! Facts about the machine a run ran on, kept with every invocation: figures from different
//! hosts are not comparable, and the history should say which is which.
//!
//! Pure parsing here; the binary reads `/proc/cpuinfo` and `/proc/sys/kernel/osrelease`.

/// Kernel, CPU model and core count.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostFacts {
    /// e.g. "Linux 6.18.0 x86_64".
    pub kernel: String,
    /// The first "model name" of /proc/cpuinfo (or "Hardware"/"cpu model" on other
    /// architectures); "unknown" when there is none.
    pub cpu_model: String,
    /// Logical CPUs listed in /proc/cpuinfo.
    pub cpu_cores: u32,
}

impl HostFacts {
    /// From the text of `/proc/cpuinfo`, the kernel release and the architecture.
    pub fn from_proc(cpuinfo: &str, kernel_release: &str, arch: &str) -> HostFacts {
        let value = |line: &str| line.split_once(':').map(|(_, v)| v.trim().to_string());
        let mut model = None;
        let mut cores = 0u32;
        for line in cpuinfo.lines() {
            let key = line.split(':').next().unwrap_or("").trim();
            if key == "processor" {
                cores += 1;
            }
            if model.is_none() && matches!(key, "model name" | "Hardware" | "cpu model" | "cpu") {
                model = value(line).filter(|v| !v.is_empty());
            }
        }
        HostFacts {
            kernel: format!("Linux {} {}", kernel_release.trim(), arch),
            cpu_model: model.unwrap_or_else(|| "unknown".to_string()),
            cpu_cores: cores,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x86_cpuinfo() {
        let text = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n\n\
                    processor\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        let h = HostFacts::from_proc(text, "6.18.0\n", "x86_64");
        assert_eq!(h.cpu_model, "AMD EPYC 7B13");
        assert_eq!(h.cpu_cores, 2);
        assert_eq!(h.kernel, "Linux 6.18.0 x86_64");
    }

    #[test]
    fn nothing_known() {
        let h = HostFacts::from_proc("", "", "aarch64");
        assert_eq!(h.cpu_model, "unknown");
        assert_eq!(h.cpu_cores, 0);
    }
}

//! Choosing CPUs for workers: only those this process may run on (so `taskset -c 1 tfw-bench`
//! works), from a count (`-t N`) or an explicit list (`--cpus 1,3-5`).

use crate::error::EngineError;

/// CPUs the process may run on (its affinity mask), ascending.
pub fn allowed_cpus() -> Vec<usize> {
    let mut v: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Parses "1,3-5" into [1, 3, 4, 5].
pub fn parse_cpu_list(s: &str) -> Result<Vec<usize>, EngineError> {
    let bad = || EngineError::Invalid(format!("bad CPU list {s:?}: expected e.g. 1,3-5"));
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        if part.is_empty() {
            return Err(bad());
        }
        match part.split_once('-') {
            Some((a, b)) => {
                let a: usize = a.trim().parse().map_err(|_| bad())?;
                let b: usize = b.trim().parse().map_err(|_| bad())?;
                if a > b || b - a > 4096 {
                    return Err(bad());
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().map_err(|_| bad())?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn list(cpus: &[usize]) -> String {
    cpus.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Picks worker CPUs from `allowed`: the explicit list (each must be allowed), or the first
/// `threads` allowed CPUs not in `avoid` (wrapping onto avoided ones when too few remain).
/// With neither, one worker per allowed CPU not avoided (at least one).
pub fn select(
    allowed: &[usize],
    threads: Option<usize>,
    cpus: Option<&[usize]>,
    avoid: &[usize],
) -> Result<Vec<usize>, EngineError> {
    if allowed.is_empty() {
        return Err(EngineError::NoCpus);
    }
    if let Some(cpus) = cpus {
        for c in cpus {
            if !allowed.contains(c) {
                return Err(EngineError::CpuNotAllowed(*c, list(allowed)));
            }
        }
        if cpus.is_empty() {
            return Err(EngineError::NoCpus);
        }
        return Ok(cpus.to_vec());
    }
    let preferred: Vec<usize> = allowed
        .iter()
        .copied()
        .filter(|c| !avoid.contains(c))
        .collect();
    let pool: Vec<usize> = preferred
        .iter()
        .chain(allowed.iter().filter(|c| avoid.contains(c)))
        .copied()
        .collect();
    let n = threads.unwrap_or(preferred.len().max(1));
    if n == 0 {
        return Err(EngineError::Invalid("--threads must be at least 1".into()));
    }
    Ok((0..n).map(|i| pool[i % pool.len()]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        assert_eq!(parse_cpu_list("1,3-5").unwrap(), vec![1, 3, 4, 5]);
        assert_eq!(parse_cpu_list(" 2 ").unwrap(), vec![2]);
        assert!(parse_cpu_list("").is_err());
        assert!(parse_cpu_list("3-1").is_err());
        assert!(parse_cpu_list("a").is_err());
        assert!(parse_cpu_list("1,,2").is_err());
    }

    #[test]
    fn selects_from_allowed() {
        let allowed = [0, 1];
        assert_eq!(select(&allowed, None, None, &[]).unwrap(), vec![0, 1]);
        assert_eq!(select(&allowed, None, None, &[0]).unwrap(), vec![1]);
        assert_eq!(select(&allowed, Some(2), None, &[0]).unwrap(), vec![1, 0]);
        assert_eq!(select(&allowed, Some(3), None, &[]).unwrap(), vec![0, 1, 0]);
        assert_eq!(select(&allowed, None, Some(&[1]), &[]).unwrap(), vec![1]);
        assert!(matches!(
            select(&allowed, None, Some(&[5]), &[]),
            Err(EngineError::CpuNotAllowed(5, _))
        ));
        assert!(select(&[], None, None, &[]).is_err());
        assert!(select(&allowed, Some(0), None, &[]).is_err());
        assert_eq!(select(&[1], None, None, &[1]).unwrap(), vec![1]);
    }
}

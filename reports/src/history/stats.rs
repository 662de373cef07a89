//! The Mann–Whitney U test (Wilcoxon rank-sum), two-sided: does one set of repeats tend to
//! be larger than the other? The regression job's noise-aware test.
//!
//! Rank-based, so it needs no normality and a single wild repeat cannot swing it. The p-value
//! is exact (the permutation distribution of U, counted by recurrence) when there are no ties
//! and at most [`EXACT_MAX_N`] values in all; otherwise the normal approximation with the tie
//! correction of the variance and a continuity correction (as SciPy's `mannwhitneyu` with
//! `method="asymptotic"`).

/// Largest `n1 + n2` for which the exact distribution is counted (no ties only).
pub const EXACT_MAX_N: usize = 60;

/// How the p-value was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The permutation distribution of U, counted.
    Exact,
    /// Normal approximation with tie and continuity corrections.
    Normal,
}

/// The outcome of [`mann_whitney_u`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannWhitney {
    /// U of the first sample: the number of pairs (x, y) with x > y, ties counting one half.
    pub u: f64,
    /// Two-sided p-value, in (0, 1].
    pub p_value: f64,
    pub method: Method,
}

/// Two-sided Mann–Whitney U test of `x` against `y`. `None` when either is empty or holds a
/// non-finite value.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    if x.is_empty() || y.is_empty() || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let (n1, n2) = (x.len(), y.len());
    let n = n1 + n2;
    let (ranks, tie_term) = midranks(x.iter().chain(y).copied().collect());
    let r1: f64 = ranks[..n1].iter().sum();
    let u1 = r1 - (n1 * (n1 + 1)) as f64 / 2.0;
    let (m1, m2) = (n1 as f64, n2 as f64);
    let mean = m1 * m2 / 2.0;
    if tie_term == 0.0 && n <= EXACT_MAX_N {
        let u_big = u1.max(m1 * m2 - u1);
        let p = (2.0 * exact_upper_tail(n1, n2, u_big.round() as usize)).min(1.0);
        return Some(MannWhitney {
            u: u1,
            p_value: p,
            method: Method::Exact,
        });
    }
    let nf = n as f64;
    let var = m1 * m2 / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)));
    let p = if var <= 0.0 {
        1.0 // every value tied: no evidence either way
    } else {
        let z = ((u1 - mean).abs() - 0.5).max(0.0) / var.sqrt();
        libm::erfc(z / std::f64::consts::SQRT_2).min(1.0)
    };
    Some(MannWhitney {
        u: u1,
        p_value: p,
        method: Method::Normal,
    })
}

/// Ranks (1-based, ties get the mean of their ranks) of `v` in its own order, and the tie
/// term Σ(t³ − t) over groups of t equal values.
fn midranks(v: Vec<f64>) -> (Vec<f64>, f64) {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i + 1;
        while j < order.len() && v[order[j]] == v[order[i]] {
            j += 1;
        }
        // Positions i..j (0-based) share the ranks i+1..=j.
        let rank = (i + 1 + j) as f64 / 2.0;
        for &k in &order[i..j] {
            ranks[k] = rank;
        }
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        i = j;
    }
    (ranks, tie_term)
}

/// P(U ≥ u) under the null hypothesis for samples of `n1` and `n2` distinct values.
///
/// `count[k]` = the number of rank arrangements giving U = k, built up one value of the second
/// sample at a time: f(m, n, k) = f(m − 1, n, k − n) + f(m, n − 1, k).
fn exact_upper_tail(n1: usize, n2: usize, u: usize) -> f64 {
    let max_u = n1 * n2;
    if u > max_u {
        return 0.0;
    }
    // f[m][k] for the current n; start with n = 0: one arrangement, U = 0.
    let mut f: Vec<Vec<f64>> = (0..=n1)
        .map(|_| {
            let mut row = vec![0.0; max_u + 1];
            row[0] = 1.0;
            row
        })
        .collect();
    for n in 1..=n2 {
        let mut next: Vec<Vec<f64>> = Vec::with_capacity(n1 + 1);
        let mut row0 = vec![0.0; max_u + 1];
        row0[0] = 1.0;
        next.push(row0);
        for m in 1..=n1 {
            let mut row = vec![0.0; max_u + 1];
            for (k, cell) in row.iter_mut().enumerate() {
                let with_x_last = if k >= n { next[m - 1][k - n] } else { 0.0 };
                *cell = with_x_last + f[m][k];
            }
            next.push(row);
        }
        f = next;
    }
    let total: f64 = f[n1].iter().sum();
    let tail: f64 = f[n1][u..].iter().sum();
    tail / total
}

/// The median of `v` (mean of the two middle values for an even count); `None` when empty.
pub fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let mid = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[mid]
    } else {
        (s[mid - 1] + s[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1e-12)
    }

    // Reference values from SciPy 1.17 `scipy.stats.mannwhitneyu` (two-sided).

    #[test]
    fn exact_small_samples() {
        // SciPy's documentation example.
        let males = [19.0, 22.0, 16.0, 29.0, 24.0];
        let females = [20.0, 11.0, 17.0, 12.0];
        let r = mann_whitney_u(&males, &females).unwrap();
        assert_eq!(r.u, 17.0);
        assert_eq!(r.method, Method::Exact);
        assert!(close(r.p_value, 0.1111111111111111), "{r:?}");

        let x = [1.1, 2.3, 3.5, 4.2, 5.9, 6.1, 7.7];
        let y = [3.3, 4.4, 5.5, 6.6, 8.8, 9.9, 10.1];
        let r = mann_whitney_u(&x, &y).unwrap();
        assert_eq!(r.u, 12.0);
        assert!(close(r.p_value, 0.12820512820512822), "{r:?}");
    }

    #[test]
    fn complete_separation_is_two_over_the_arrangements() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let y = [8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0];
        let r = mann_whitney_u(&x, &y).unwrap();
        assert_eq!(r.u, 0.0);
        // 2 / C(14, 7)
        assert!(close(r.p_value, 2.0 / 3432.0), "{r:?}");
        assert!(close(r.p_value, 0.0005827505827505828));
        // The test is symmetric.
        let r2 = mann_whitney_u(&y, &x).unwrap();
        assert_eq!(r2.u, 49.0);
        assert!(close(r2.p_value, r.p_value));
    }

    #[test]
    fn exact_larger_samples() {
        let x: Vec<f64> = (0..30).map(f64::from).collect();
        let y: Vec<f64> = (0..25).map(|v| f64::from(v) + 7.5).collect();
        let r = mann_whitney_u(&x, &y).unwrap();
        assert_eq!(r.u, 253.0);
        assert_eq!(r.method, Method::Exact);
        assert!(close(r.p_value, 0.03930284767347741), "{r:?}");
    }

    #[test]
    fn normal_approximation_with_ties() {
        let x = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 4.0, 5.0];
        let y = [3.0, 4.0, 5.0, 5.0, 6.0, 6.0, 7.0];
        let r = mann_whitney_u(&x, &y).unwrap();
        assert_eq!(r.u, 8.0);
        assert_eq!(r.method, Method::Normal);
        assert!(close(r.p_value, 0.021920655864769517), "{r:?}");
    }

    #[test]
    fn all_tied_is_no_evidence() {
        let r = mann_whitney_u(&[10.0, 10.0, 10.0], &[10.0, 10.0]).unwrap();
        assert_eq!(r.u, 3.0);
        assert_eq!(r.p_value, 1.0);
        // All-zero error counts, the usual case.
        let r = mann_whitney_u(&[0.0; 5], &[0.0; 15]).unwrap();
        assert_eq!(r.p_value, 1.0);
    }

    #[test]
    fn exact_tail_agrees_with_brute_force() {
        // Enumerate every way to pick which of the 8 ranks belong to the first sample (n1 = 3).
        let (n1, n2) = (3usize, 5usize);
        let mut counts = vec![0u32; n1 * n2 + 1];
        for mask in 0u32..(1 << (n1 + n2)) {
            if mask.count_ones() as usize != n1 {
                continue;
            }
            let rank_sum: usize = (0..n1 + n2)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| i + 1)
                .sum();
            counts[rank_sum - n1 * (n1 + 1) / 2] += 1;
        }
        let total: u32 = counts.iter().sum();
        for u in 0..=n1 * n2 {
            let want = counts[u..].iter().sum::<u32>() as f64 / total as f64;
            assert!(close(exact_upper_tail(n1, n2, u), want), "u = {u}");
        }
    }

    #[test]
    fn empty_or_non_finite_input() {
        assert!(mann_whitney_u(&[], &[1.0]).is_none());
        assert!(mann_whitney_u(&[1.0], &[]).is_none());
        assert!(mann_whitney_u(&[f64::NAN], &[1.0]).is_none());
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }
}

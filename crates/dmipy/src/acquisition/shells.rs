//! Clustering measurements into shells of equal (δ, Δ, TE) and nearby b-values.

use super::scheme::Shell;
use std::cmp::Ordering;

/// The (δ, Δ, TE) of one measurement; `None` where that field is unknown.
type TimingKey = [Option<f64>; 3];

/// Groups measurements into shells: first by exact (δ, Δ, TE), then by b-value, starting a new
/// shell wherever the gap between consecutive sorted b-values exceeds `min_distance` (s/m²).
///
/// Within one timing this is what Dmipy 1.x does (`calculate_shell_bvalues_and_indices`:
/// single-linkage clustering, `fcluster(..., criterion='distance')`): in one dimension single
/// linkage cut at distance t joins exactly the neighbours at most t apart. One deliberate
/// difference: b0 measurements (b ≤ b0 threshold) always form their own shell here, whereas Dmipy
/// would merge a b0 with a weighted measurement closer than `min_distance` (e.g. b = 0 and
/// b = 20e6 s/m²) into one shell. Shells are ordered by timing, then by ascending b-value, like
/// Dmipy's shell indices. Returns the shells and each measurement's shell index.
pub(crate) fn cluster_shells(
    bvalues: &[f64],
    b0_mask: &[bool],
    timing: [Option<&[f64]>; 3],
    min_distance: f64,
) -> (Vec<Shell>, Vec<usize>) {
    let key = |i: usize| -> TimingKey { timing.map(|t| t.map(|t| t[i])) };
    let mut order: Vec<usize> = (0..bvalues.len()).collect();
    order.sort_by(|&a, &b| {
        compare_keys(&key(a), &key(b))
            .then(b0_mask[b].cmp(&b0_mask[a]))
            .then(bvalues[a].total_cmp(&bvalues[b]))
    });
    let mut shells: Vec<Shell> = Vec::new();
    let mut shell_of = vec![0; bvalues.len()];
    let mut previous: Option<usize> = None;
    for &i in &order {
        let same_shell = previous.is_some_and(|p| {
            compare_keys(&key(p), &key(i)).is_eq()
                && b0_mask[p] == b0_mask[i]
                && (b0_mask[i] || bvalues[i] - bvalues[p] <= min_distance)
        });
        if !same_shell {
            let [delta, big_delta, echo_time] = key(i);
            shells.push(Shell {
                bvalue: 0.0,
                delta,
                big_delta,
                echo_time,
                is_b0: b0_mask[i],
                indices: Vec::new(),
            });
        }
        let s = shells.len() - 1;
        shells[s].indices.push(i);
        shell_of[i] = s;
        previous = Some(i);
    }
    for shell in &mut shells {
        shell.indices.sort_unstable();
        shell.bvalue =
            shell.indices.iter().map(|&i| bvalues[i]).sum::<f64>() / shell.indices.len() as f64;
    }
    (shells, shell_of)
}

/// Groups measurements that share exactly (bit for bit) the same b, δ, Δ and TE: the sets on which
/// a kernel evaluated at a measurement's own values is evaluated once. Each group's `bvalue` is
/// that common b-value; groups are ordered as shells are (timing, then b).
pub(crate) fn group_exact_pulses(
    bvalues: &[f64],
    b0_mask: &[bool],
    timing: [Option<&[f64]>; 3],
) -> Vec<Shell> {
    let key = |i: usize| -> TimingKey { timing.map(|t| t.map(|t| t[i])) };
    let mut order: Vec<usize> = (0..bvalues.len()).collect();
    order.sort_by(|&a, &b| compare_keys(&key(a), &key(b)).then(bvalues[a].total_cmp(&bvalues[b])));
    let mut groups: Vec<Shell> = Vec::new();
    for i in order {
        match groups.last_mut() {
            Some(g)
                if g.bvalue.to_bits() == bvalues[i].to_bits()
                    && compare_keys(&[g.delta, g.big_delta, g.echo_time], &key(i)).is_eq() =>
            {
                g.indices.push(i)
            }
            _ => {
                let [delta, big_delta, echo_time] = key(i);
                groups.push(Shell {
                    bvalue: bvalues[i],
                    delta,
                    big_delta,
                    echo_time,
                    is_b0: b0_mask[i],
                    indices: vec![i],
                });
            }
        }
    }
    groups.iter_mut().for_each(|g| g.indices.sort_unstable());
    groups
}

/// Lexicographic order of timing keys (`None` first), as `numpy.unique(..., axis=0)` sorts rows.
fn compare_keys(a: &TimingKey, b: &TimingKey) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| match (x, y) {
            (Some(x), Some(y)) => x.total_cmp(y),
            _ => x.is_some().cmp(&y.is_some()),
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(b: &[f64], timing: [Option<&[f64]>; 3]) -> (Vec<Shell>, Vec<usize>) {
        let mask: Vec<bool> = b.iter().map(|&b| b <= 10e6).collect();
        cluster_shells(b, &mask, timing, 50e6)
    }

    #[test]
    fn gap_equal_to_distance_joins_like_scipy() {
        // SciPy 1.13: fcluster(linkage(np.c_[[0, 50e6, 100e6, 200e6]]), 50e6, 'distance')
        // gives [1, 1, 1, 2]; our b0 rule splits off b = 0, the chain 50e6-100e6 stays one shell.
        let (shells, shell_of) = cluster(&[0.0, 50e6, 100e6, 200e6], [None; 3]);
        assert_eq!(shell_of, vec![0, 1, 1, 2]);
        assert_eq!(shells[1].bvalue, 75e6);
        assert_eq!(shells[1].indices, vec![1, 2]);
        assert!(shells[0].is_b0 && !shells[1].is_b0);
    }

    #[test]
    fn b0_never_joins_a_weighted_shell() {
        let (shells, shell_of) = cluster(&[0.0, 5e6, 20e6, 30e6], [None; 3]);
        assert_eq!(shell_of, vec![0, 0, 1, 1]);
        assert_eq!(shells[0].bvalue, 2.5e6);
        assert_eq!(shells[1].bvalue, 25e6);
    }

    #[test]
    fn equal_b_with_different_timing_are_different_shells() {
        let b = [1e9, 0.0, 1e9, 0.0, 1e9];
        let delta = [0.01, 0.01, 0.02, 0.02, 0.01];
        let big_delta = [0.03, 0.03, 0.04, 0.04, 0.03];
        let (shells, shell_of) = cluster(&b, [Some(&delta), Some(&big_delta), None]);
        assert_eq!(shell_of, vec![1, 0, 3, 2, 1]);
        assert_eq!(shells.len(), 4);
        assert_eq!(shells[1].indices, vec![0, 4]);
        assert_eq!(
            (shells[3].delta, shells[3].big_delta),
            (Some(0.02), Some(0.04))
        );
        assert_eq!(shells[3].echo_time, None);
    }

    #[test]
    fn exact_groups_split_jittered_shells_and_b0s() {
        let b = [0.0, 995e6, 1e9, 5e6, 995e6, 0.0, 1e9];
        let mask: Vec<bool> = b.iter().map(|&b| b <= 10e6).collect();
        let groups = group_exact_pulses(&b, &mask, [None; 3]);
        let found: Vec<(f64, Vec<usize>)> = groups
            .iter()
            .map(|g| (g.bvalue, g.indices.clone()))
            .collect();
        assert_eq!(
            found,
            vec![
                (0.0, vec![0, 5]),
                (5e6, vec![3]),
                (995e6, vec![1, 4]),
                (1e9, vec![2, 6])
            ]
        );
        assert!(groups[1].is_b0 && !groups[2].is_b0);
    }

    #[test]
    fn keys_sort_none_first_then_lexicographically() {
        let k = |a: Option<f64>, b: Option<f64>| [a, b, None];
        assert!(compare_keys(&k(None, Some(1.0)), &k(Some(0.0), None)).is_lt());
        assert!(compare_keys(&k(Some(1.0), Some(1.0)), &k(Some(1.0), Some(2.0))).is_lt());
        assert!(compare_keys(&k(Some(1.0), None), &k(Some(1.0), None)).is_eq());
    }
}

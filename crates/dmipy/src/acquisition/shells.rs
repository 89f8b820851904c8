//! Clustering measurements into shells of equal (δ, Δ, TE) and nearby b-values.

use super::scheme::Shell;

/// Groups measurements into shells: first by exact (δ, Δ, TE), then by b-value, starting a new shell
/// wherever the gap to the previous sorted b-value exceeds `min_distance` (s/m²). b0 measurements
/// form their own shell per timing. Returns the shells and each measurement's shell index.
pub(crate) fn cluster_shells(
    bvalues: &[f64],
    b0_mask: &[bool],
    delta: Option<&[f64]>,
    big_delta: Option<&[f64]>,
    echo_time: Option<&[f64]>,
    min_distance: f64,
) -> (Vec<Shell>, Vec<usize>) {
    let at = |v: Option<&[f64]>, i: usize| v.map(|v| v[i]);
    let key = |i: usize| {
        (
            at(delta, i),
            at(big_delta, i),
            at(echo_time, i),
            !b0_mask[i],
        )
    };
    let mut order: Vec<usize> = (0..bvalues.len()).collect();
    order.sort_by(|&a, &b| {
        key(a)
            .partial_cmp(&key(b))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(bvalues[a].total_cmp(&bvalues[b]))
    });
    let mut shells: Vec<Shell> = Vec::new();
    let mut shell_of = vec![0; bvalues.len()];
    let mut previous: Option<usize> = None;
    for &i in &order {
        let same_shell = previous.is_some_and(|p| {
            key(p) == key(i) && (b0_mask[i] || bvalues[i] - bvalues[p] <= min_distance)
        });
        if !same_shell {
            shells.push(Shell {
                bvalue: 0.0,
                delta: at(delta, i),
                big_delta: at(big_delta, i),
                echo_time: at(echo_time, i),
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

//! The log-linear least-squares diffusion tensor of one voxel: the quick direction and FA estimate that response selection and AMICO's orientations start from.

use crate::linalg::{cholesky_in_place, cholesky_solve};
use crate::{
    AcquisitionScheme, principal_eigenvector, symmetric_eigenvalues, tensor_from_lower_triangular,
};

/// The mean of a voxel's b0 measurements (NaN without any).
pub(crate) fn mean_b0(scheme: &AcquisitionScheme, signal: &[f64]) -> f64 {
    let (s, c) = signal
        .iter()
        .zip(scheme.b0_mask())
        .filter(|(_, b)| **b)
        .fold((0.0, 0usize), |(s, c), (&v, _)| (s + v, c + 1));
    s / c as f64
}

/// (FA, principal direction, mean diffusivity) of a log-linear least-squares tensor fit on the
/// measurements with 0 < b ≤ 1.5e9 s/m² (Basser et al. 1994, J. Magn. Reson. B 103:247,
/// doi:10.1006/jmrb.1994.1037, eq. 6), or None without a usable b0 or signal.
pub(crate) fn log_linear_dti(
    scheme: &AcquisitionScheme,
    signal: &[f64],
) -> Option<(f64, [f64; 3], f64)> {
    let s0 = mean_b0(scheme, signal);
    if !(s0 > 0.0 && s0.is_finite()) {
        return None;
    }
    let mut ata = [0.0; 36];
    let mut aty = [0.0; 6];
    let mut used = 0;
    for (i, (&b, g)) in scheme.bvalues().iter().zip(scheme.directions()).enumerate() {
        if scheme.b0_mask()[i] || b > 1.5e9 || signal[i].is_nan() || signal[i] <= 0.0 {
            continue;
        }
        used += 1;
        let row = [
            -b * g[0] * g[0],
            -2.0 * b * g[0] * g[1],
            -b * g[1] * g[1],
            -2.0 * b * g[0] * g[2],
            -2.0 * b * g[1] * g[2],
            -b * g[2] * g[2],
        ];
        let y = (signal[i] / s0).ln();
        for a in 0..6 {
            aty[a] += row[a] * y;
            for c in 0..6 {
                ata[a * 6 + c] += row[a] * row[c];
            }
        }
    }
    if used < 6 || !cholesky_in_place(&mut ata, 6) {
        return None;
    }
    cholesky_solve(&ata, 6, &mut aty);
    let t = tensor_from_lower_triangular(&aty);
    let e = symmetric_eigenvalues(&t);
    let dir = principal_eigenvector(&t)?;
    let fa = crate::fractional_anisotropy(e);
    fa.is_finite()
        .then_some((fa, dir, (e[0] + e[1] + e[2]) / 3.0))
}

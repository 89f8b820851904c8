//! `exp` over a whole slice, vectorised for `f64`: the hot operation of every Gaussian-phase signal.
//!
//! `f64::exp` is a libm call per element that the compiler cannot vectorise. Signal loops evaluate
//! thousands of exponentials per voxel, so for `f64` we use a branch-free exponential written here
//! (no crate offers a vectorisable, accuracy-tested f64 `exp`), compiled once for the baseline CPU
//! and once for AVX2+FMA, chosen at run time. Dual numbers take the ordinary element-wise path, so
//! derivatives are untouched.

use crate::Scalar;
use std::any::TypeId;

/// Replaces every element `x` of `values` by `exp(x)`.
///
/// For `f64` the result is within 1 ulp of libm's `exp` wherever it is a normal number
/// (x ≥ −708.39) and within 2 units of the smallest subnormal below that, with 0 below −745.2,
/// +∞ above 709.8 and NaN kept (tested); other scalar types use their own `exp`.
pub fn exp_in_place<D: Scalar>(values: &mut [D]) {
    if TypeId::of::<D>() == TypeId::of::<f64>() {
        // SAFETY: D is f64 (same TypeId), so the slice has f64's layout and lifetime.
        let values = unsafe { &mut *(values as *mut [D] as *mut [f64]) };
        exp_f64_slice(values);
    } else {
        for v in values.iter_mut() {
            *v = v.exp();
        }
    }
}

fn exp_f64_slice(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports the features the function is compiled for.
            unsafe { exp_slice_avx2(values) };
            return;
        }
    }
    exp_slice_portable(values);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn exp_slice_avx2(values: &mut [f64]) {
    for v in values.iter_mut() {
        *v = exp_branch_free(*v);
    }
}

fn exp_slice_portable(values: &mut [f64]) {
    for v in values.iter_mut() {
        *v = exp_branch_free(*v);
    }
}

/// exp(x) by Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, a degree-13 Taylor polynomial for
/// e^r (truncation error r¹⁴/14! < 5e-18) and exact scaling by 2ⁿ in two halves so that results in
/// the subnormal range round correctly (Cody & Waite 1980, "Software Manual for the Elementary
/// Functions", ch. 6; Muller 2016, "Elementary Functions", 3rd ed., §11.3). Branch-free, so loops
/// over it vectorise.
/// 1/k! for k = 0..=13, the Taylor coefficients of e^r.
const INV_FACTORIALS: [f64; 14] = {
    let mut c = [1.0; 14];
    let mut k = 1;
    while k < 14 {
        c[k] = c[k - 1] / k as f64;
        k += 1;
    }
    c
};

#[inline(always)]
fn exp_branch_free(x: f64) -> f64 {
    // ln 2 split as in fdlibm's e_exp.c: LN2_HI has 32 trailing zero bits, so n·LN2_HI is exact.
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // 1.5·2⁵²: adding it rounds to the nearest integer, which then sits in the low mantissa bits.
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-746.0, 710.0);
    let shifted = x * std::f64::consts::LOG2_E + SHIFT;
    let n = shifted - SHIFT;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = INV_FACTORIALS[13];
    for k in (1..13).rev() {
        p = p * r + INV_FACTORIALS[k];
    }
    let p = p * r + 1.0;
    // n ∈ [−1077, 1025]; split as n = n1 + n2 with both halves valid normal exponents.
    let n_int = shifted.to_bits() as i64 - SHIFT.to_bits() as i64;
    let n1 = ((n_int + 1100) >> 1) - 550;
    let n2 = n_int - n1;
    let scale = |k: i64| f64::from_bits(((k + 1023) as u64) << 52);
    p * scale(n1) * scale(n2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn within_one_ulp_of_libm_over_the_whole_range() {
        let mut xs: Vec<f64> = (0..200_001)
            .map(|i| -745.0 + 1454.7 * i as f64 / 200_000.0)
            .collect();
        xs.extend((0..10_001).map(|i| -1.0 + 2.0 * i as f64 / 10_000.0));
        xs.extend([
            0.0,
            -0.0,
            1e-300,
            -1e-300,
            f64::MIN_POSITIVE,
            -708.5,
            -744.4,
        ]);
        let mut ys = xs.clone();
        exp_in_place(&mut ys);
        let mut portable = xs.clone();
        exp_slice_portable(&mut portable);
        for ((&x, &y), &p) in xs.iter().zip(&ys).zip(&portable) {
            let want = x.exp();
            // Subnormal results are scaled in two roundings, so they may be off by 2 ulps.
            let tolerance = if want >= f64::MIN_POSITIVE { 1 } else { 2 };
            assert!(
                ulps(y, want) <= tolerance,
                "exp({x}) = {y:e}, libm {want:e}"
            );
            assert!(
                ulps(p, want) <= tolerance,
                "portable exp({x}) = {p:e}, libm {want:e}"
            );
        }
    }

    #[test]
    fn limits_and_nan() {
        let mut v = [
            -1000.0,
            -745.5,
            710.0,
            1000.0,
            f64::NAN,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ];
        exp_in_place(&mut v);
        assert_eq!(&v[..4], &[0.0, 0.0, f64::INFINITY, f64::INFINITY]);
        assert!(v[4].is_nan());
        assert_eq!(v[5], 0.0);
        assert_eq!(v[6], f64::INFINITY);
    }

    #[test]
    fn duals_keep_their_derivative() {
        let mut v = [Dual64::from(-0.7).derivative()];
        exp_in_place(&mut v);
        assert_eq!(v[0].re, (-0.7f64).exp());
        assert_eq!(v[0].eps, (-0.7f64).exp());
    }
}

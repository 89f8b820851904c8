//! The tortuosity constraint of the extra-axonal perpendicular diffusivity, as Dmipy 1.x computes it.

use crate::Scalar;

/// The tortuosity constraint on the extra-axonal perpendicular diffusivity, as Dmipy 1.0.5's
/// `T1_tortuosity` computes it (Szafer et al. 1995, Magn. Reson. Med. 33:697–712,
/// doi:10.1002/mrm.1910330516; equation number not checked here):
///
/// $\lambda_\perp = (1 - f)\,\lambda_\parallel$, with
/// $\tilde v = \frac{v_\text{intra}}{v_\text{intra} + v_\text{extra}}$ and
/// $f = \frac{\tilde v\,S_{0,\text{extra}}}{\tilde v\,S_{0,\text{extra}} + v_\text{extra}\,S_{0,\text{intra}}}$.
///
/// Dmipy normalises the intra-axonal fraction but not the extra-axonal one; with a third
/// compartment ($v_\text{intra} + v_\text{extra} < 1$) f therefore differs from
/// $v_\text{intra}/(v_\text{intra} + v_\text{extra})$. This keeps Dmipy's numbers. λ in m²/s,
/// fractions and S0 responses dimensionless (S0 = 1 without multi-tissue correction).
pub fn tortuous_lambda_perp<D: Scalar>(
    lambda_par: D,
    vf_intra: D,
    vf_extra: D,
    s0_intra: f64,
    s0_extra: f64,
) -> D {
    let intra = vf_intra / (vf_intra + vf_extra);
    let f = intra * s0_extra / (intra * s0_extra + vf_extra * s0_intra);
    (-f + 1.0) * lambda_par
}

//! Special functions generic over the scalar type (Bessel, Dawson, ₁F₁, erf, Legendre, harmonics).

mod bessel;
pub(crate) mod bessel_sequence;
mod bessel_zeros;
pub(crate) mod damped_modes;
mod erf;
mod exp_slice;
mod legendre;
pub(crate) mod spherical_bessel;
mod taylor;

pub use bessel::{
    bessel_j_derivative_f64, bessel_j_f64, bessel_jn, bessel_jn_prime, jinc_squared,
    x_jn_prime_squared,
};
pub use bessel_zeros::bessel_jn_prime_zeros;
pub use erf::{dawson, erf, erfi};
pub(crate) use exp_slice::exp_in_place;
pub use legendre::{legendre_p, real_sh_count, real_sh_mrtrix};
pub use taylor::dual_from_derivatives;

#[cfg(test)]
mod reference_tests;

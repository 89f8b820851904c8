//! Special functions generic over the scalar type (Bessel, Dawson, ₁F₁, erf, Legendre, harmonics).

pub(crate) mod chain_rule;
mod erf;

pub use erf::{dawson, erf, erfi};

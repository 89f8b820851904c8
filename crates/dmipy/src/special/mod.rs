//! Special functions generic over the scalar type (Bessel, Dawson, ₁F₁, erf, Legendre, harmonics).

pub(crate) mod spherical_bessel;

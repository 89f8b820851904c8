//! Special functions generic over the scalar type (Bessel, Dawson, ₁F₁, erf, Legendre, harmonics).

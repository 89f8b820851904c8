//! Philox4x32-10, a counter-based generator: every random number is a pure function of (seed, walker, draw).

/// Philox4x32 multipliers and Weyl key increments (Salmon, Moraes, Dror & Shaw 2011, "Parallel random
/// numbers: as easy as 1, 2, 3", SC'11, doi:10.1145/2063384.2063405, §3; checked against the Random123 known-answer vectors below).
const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Philox4x32 with 10 rounds on a 128-bit counter and a 64-bit key (Salmon et al. 2011, §3.3).
#[inline]
pub(crate) fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let p0 = u64::from(M0) * u64::from(c[0]);
        let p1 = u64::from(M1) * u64::from(c[2]);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// The random stream of one walker: draw `n` of walker `w` under `seed` is
/// Philox(counter = (w, n), key = seed), so no state is shared between walkers or threads.
#[derive(Debug, Clone)]
pub(crate) struct WalkerStream {
    key: [u32; 2],
    walker: u64,
    draw: u64,
}

/// Draws at or above this index are reserved for initial positions, below for steps.
const POSITION_DRAWS: u64 = 1 << 63;

impl WalkerStream {
    /// The stream of walker `walker` under `seed`, positioned at its first step draw.
    pub(crate) fn new(seed: u64, walker: u64) -> Self {
        Self {
            key: [seed as u32, (seed >> 32) as u32],
            walker,
            draw: 0,
        }
    }

    /// A second, disjoint stream of the same walker for its initial position.
    pub(crate) fn for_position(seed: u64, walker: u64) -> Self {
        Self {
            draw: POSITION_DRAWS,
            ..Self::new(seed, walker)
        }
    }

    /// Two independent uniforms in [0, 1) with 53 random bits each (one Philox block).
    #[inline]
    pub(crate) fn uniform2(&mut self) -> (f64, f64) {
        let ctr = [
            self.walker as u32,
            (self.walker >> 32) as u32,
            self.draw as u32,
            (self.draw >> 32) as u32,
        ];
        self.draw = self.draw.wrapping_add(1);
        let r = philox4x32_10(ctr, self.key);
        let to_unit = |hi: u32, lo: u32| {
            let bits = ((u64::from(hi) << 32) | u64::from(lo)) >> 11;
            bits as f64 * (1.0 / (1u64 << 53) as f64)
        };
        (to_unit(r[0], r[1]), to_unit(r[2], r[3]))
    }

    /// A direction uniform on the unit sphere (Archimedes: z uniform in [−1, 1], azimuth uniform).
    #[inline]
    pub(crate) fn direction(&mut self) -> [f64; 3] {
        let (u1, u2) = self.uniform2();
        let z = 2.0 * u1 - 1.0;
        let r = (1.0 - z * z).max(0.0).sqrt();
        let (s, c) = sin_cos_of_turns(u2);
        [r * c, r * s, z]
    }

    /// Three uniforms in [0, 1) (for a point in a box).
    pub(crate) fn uniform3(&mut self) -> [f64; 3] {
        let (a, b) = self.uniform2();
        let (c, _) = self.uniform2();
        [a, b, c]
    }
}

/// (sin 2πu, cos 2πu) for u in [0, 1), within 1 ulp: written here because libm's `sin_cos`
/// (general arguments, their reduction and branches) was a quarter of a walker's step. The
/// reduction is exact: with t = 4u (exact) and q the nearest integer, 2πu = qπ/2 + x with
/// x = (t − q)π/2 in [−π/4, π/4] (t − q exact); sin x and cos x are their Taylor polynomials to
/// x¹⁷ and x¹⁸, whose remainders (|x|¹⁹/19!, |x|²⁰/20! < 1e-19) are below half an ulp; the
/// quadrant q rotates the pair.
#[inline]
pub(crate) fn sin_cos_of_turns(u: f64) -> (f64, f64) {
    /// (−1)ᵏ/(2k+1)! for k = 1…8 and (−1)ᵏ/(2k)! for k = 1…9, as the Horner steps use them.
    const SIN: [f64; 8] = taylor(3);
    const COS: [f64; 9] = taylor(2);
    const fn taylor<const N: usize>(first: u32) -> [f64; N] {
        let mut c = [0.0; N];
        let (mut f, mut n, mut k) = (1.0, 1, 0);
        while k < N {
            // f = 1/(first + 2k)!, built up factor by factor.
            while n <= first + 2 * k as u32 {
                f /= n as f64;
                n += 1;
            }
            c[k] = if k % 2 == 0 { -f } else { f };
            k += 1;
        }
        c
    }
    let t = 4.0 * u;
    let q = (t + 0.5) as i64; // t ≥ 0: truncation is floor
    let x = (t - q as f64) * std::f64::consts::FRAC_PI_2;
    let x2 = x * x;
    let horner = |c: &[f64]| c.iter().rev().fold(0.0, |acc, &ck| acc * x2 + ck);
    let s = x + x * x2 * horner(&SIN);
    let c = 1.0 + x2 * horner(&COS);
    match q & 3 {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against libm on 10⁶ turns: libm's own argument 2πu is rounded (up to 4.4e-16 near u = 1),
    /// so the two may differ by that plus an ulp of each result; both stay on the unit circle.
    #[test]
    fn sin_cos_of_turns_equals_the_library_within_rounding() {
        let mut s = WalkerStream::new(11, 0);
        let mut worst: f64 = 0.0;
        let mut check = |u: f64| {
            let (a, b) = sin_cos_of_turns(u);
            let (la, lb) = (std::f64::consts::TAU * u).sin_cos();
            worst = worst.max((a - la).abs()).max((b - lb).abs());
            assert!((a * a + b * b - 1.0).abs() < 4.5e-16, "{u}");
        };
        for u in [
            0.0,
            0.125,
            0.25,
            0.375,
            0.5,
            0.625,
            0.75,
            0.875,
            1.0 - f64::EPSILON / 2.0,
        ] {
            check(u);
        }
        for _ in 0..500_000 {
            let (u, v) = s.uniform2();
            check(u);
            check(v);
        }
        assert!(worst < 1e-15, "{worst:e}");
        assert_eq!(sin_cos_of_turns(0.0), (0.0, 1.0));
        assert_eq!(sin_cos_of_turns(0.25), (1.0, 0.0));
    }

    /// Known-answer vectors of Random123 1.09 (`kat_vectors`, philox4x32_10), the reference
    /// implementation of Salmon et al. 2011.
    #[test]
    fn philox_matches_the_random123_known_answers() {
        assert_eq!(
            philox4x32_10([0, 0, 0, 0], [0, 0]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    /// Mean and second moment of 2e5 uniforms: SE of the mean is 1/√(12·2e5) = 6.5e-4; 5 SE
    /// bounds give a false-failure rate below 1e-6 per check (fixed seed, so deterministic).
    #[test]
    fn uniforms_have_the_moments_of_u01_and_directions_are_isotropic() {
        let mut s = WalkerStream::new(7, 3);
        let n = 100_000;
        let (mut m, mut zz) = (0.0, 0.0);
        for _ in 0..n {
            let (a, b) = s.uniform2();
            m += a + b;
            let d = s.direction();
            zz += d[2] * d[2];
        }
        let mean = m / (2.0 * n as f64);
        assert!((mean - 0.5).abs() < 5.0 * (1.0 / 12.0f64 / (2.0 * n as f64)).sqrt());
        // E[z²] = 1/3 with Var(z²) = 4/45.
        let ez2 = zz / n as f64;
        assert!((ez2 - 1.0 / 3.0).abs() < 5.0 * (4.0 / 45.0 / n as f64).sqrt());
    }
}

//! Fittable models built by hand from compartments, for the engine's tests and examples.

use super::FitModel;
use crate::{
    AcquisitionScheme, C1Stick, Compartment, Error, G1Ball, G2Zeppelin, ParameterKind, Scalar,
};

/// One compartment with all its parameters free, bounds and scales from its parameter table.
pub(crate) struct Single<C> {
    compartment: C,
    bounds: Vec<(f64, f64)>,
    scales: Vec<f64>,
    kinds: Vec<ParameterKind>,
}

impl<C: Compartment> Single<C> {
    pub fn new(compartment: C) -> Self {
        let (mut bounds, mut scales, mut kinds) = (Vec::new(), Vec::new(), Vec::new());
        for spec in compartment.parameters() {
            for &b in spec.bounds {
                bounds.push(b);
                scales.push(spec.scale);
                kinds.push(spec.kind);
            }
        }
        Self {
            compartment,
            bounds,
            scales,
            kinds,
        }
    }
}

/// The stick with free `mu`, `lambda_par`.
pub(crate) fn stick() -> Single<C1Stick> {
    Single::new(C1Stick)
}

/// The zeppelin with free `mu`, `lambda_par`, `lambda_perp`.
pub(crate) fn zeppelin() -> Single<G2Zeppelin> {
    Single::new(G2Zeppelin)
}

impl<C: Compartment> FitModel for Single<C> {
    fn n_free(&self) -> usize {
        self.bounds.len()
    }
    fn bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }
    fn scales(&self) -> &[f64] {
        &self.scales
    }
    fn kinds(&self) -> &[ParameterKind] {
        &self.kinds
    }
    type Scratch<D: Scalar> = ();
    fn scratch<D: Scalar>(&self, _: &AcquisitionScheme) {}
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        _voxel: usize,
        x: &[D],
        out: &mut [D],
        _scratch: &mut (),
    ) -> Result<(), Error> {
        self.compartment.signal(scheme, x, out)
    }
}

/// Ball and stick (Behrens et al. 2003, doi:10.1002/mrm.10609):
/// $E = f\,E_{stick}(\mathbf n, \lambda_\parallel) + (1 - f)\,E_{ball}(\lambda_{iso})$ with free
/// `[θ, φ, λ∥, λ_iso, f]` (rad, rad, m²/s, m²/s, 1).
pub(crate) struct BallStick {
    bounds: Vec<(f64, f64)>,
    scales: Vec<f64>,
    kinds: Vec<ParameterKind>,
}

impl BallStick {
    pub fn new() -> Self {
        let pi = std::f64::consts::PI;
        Self {
            bounds: vec![
                (0.0, pi),
                (-pi, pi),
                (0.1e-9, 3e-9),
                (0.1e-9, 3e-9),
                (0.0, 1.0),
            ],
            scales: vec![1.0, 1.0, 1e-9, 1e-9, 1.0],
            kinds: vec![
                ParameterKind::Orientation,
                ParameterKind::Orientation,
                ParameterKind::Diffusivity,
                ParameterKind::Diffusivity,
                ParameterKind::Fraction,
            ],
        }
    }
}

impl FitModel for BallStick {
    fn n_free(&self) -> usize {
        5
    }
    fn bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }
    fn scales(&self) -> &[f64] {
        &self.scales
    }
    fn kinds(&self) -> &[ParameterKind] {
        &self.kinds
    }
    type Scratch<D: Scalar> = Vec<D>;
    fn scratch<D: Scalar>(&self, scheme: &AcquisitionScheme) -> Vec<D> {
        vec![D::zero(); scheme.len()]
    }
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        _voxel: usize,
        x: &[D],
        out: &mut [D],
        scratch: &mut Vec<D>,
    ) -> Result<(), Error> {
        C1Stick.signal(scheme, &x[..3], out)?;
        G1Ball.signal(scheme, &x[3..4], scratch)?;
        let f = x[4];
        for (o, &ball) in out.iter_mut().zip(scratch.iter()) {
            *o = f * *o + (D::one() - f) * ball;
        }
        Ok(())
    }
}

/// One free parameter a whose signal is a at every measurement (for likelihood checks).
pub(crate) struct Constant;

impl FitModel for Constant {
    fn n_free(&self) -> usize {
        1
    }
    fn bounds(&self) -> &[(f64, f64)] {
        &[(0.0, 1.0)]
    }
    fn scales(&self) -> &[f64] {
        &[1.0]
    }
    fn kinds(&self) -> &[ParameterKind] {
        &[ParameterKind::Other]
    }
    type Scratch<D: Scalar> = ();
    fn scratch<D: Scalar>(&self, _scheme: &AcquisitionScheme) {}
    fn signal<D: Scalar>(
        &self,
        _scheme: &AcquisitionScheme,
        _voxel: usize,
        x: &[D],
        out: &mut [D],
        _scratch: &mut (),
    ) -> Result<(), Error> {
        out.fill(x[0]);
        Ok(())
    }
}

/// A small seeded generator for tests (SplitMix64; Steele, Lea & Flood 2014,
/// doi:10.1145/2660193.2660195), with Box–Muller normals. Kept here rather than adding
/// `rand_distr` as a dependency for a handful of draws.
pub(crate) struct TestRng(u64);

impl TestRng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// A uniformly random axis as (θ, φ).
    pub fn direction(&mut self) -> (f64, f64) {
        let z: f64 = self.range(-1.0, 1.0);
        (
            z.acos(),
            self.range(-std::f64::consts::PI, std::f64::consts::PI),
        )
    }
}

//! `TrackingJob`: a field volume, an algorithm and settings, run over seeds — what the `dmipy track` command and Python's `dmipy_rs.tracking` share.

use crate::{
    DeterministicMaximum, DirectionGetter, Error, Euler, FollowAxis, Frame, Grid, Integrator,
    PeaksField, Probabilistic, Rk2, Rk4, ShBasis, ShField, StoppingCriterion, Streamline,
    TensorField, TrackingSettings, hemisphere, track_all,
};

/// The field to track on, as a volume in file order (X×Y×Z×C, first index fastest, component
/// slowest), as NIfTI stores it.
#[derive(Debug, Clone, Copy)]
pub enum FieldVolume<'a> {
    /// Peaks: 3 components per peak (X×Y×Z×3K), lengths as weights.
    Peaks(&'a [f64]),
    /// Diffusion tensors: 6 components (Dxx, Dxy, Dyy, Dxz, Dyz, Dzz).
    Tensor(&'a [f64]),
    /// SH FOD coefficients in `basis`, (L+1)(L+2)/2 per voxel for an even L ≤ 12.
    Sh(&'a [f64], ShBasis),
}

/// The direction rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// Peaks and tensors: follow the closest axis; FODs: DIPY's deterministic maximum.
    #[default]
    Deterministic,
    /// FODs only: sample the FOD within the cone (DIPY's ProbabilisticDirectionGetter).
    Probabilistic,
}

/// The integration rule; `None` in a job picks Euler on FODs (whose directions are sphere
/// vertices, as DIPY steps them) and RK4 on peaks and tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntegratorKind {
    /// First order.
    Euler,
    /// Second-order Runge–Kutta (midpoint).
    Rk2,
    /// Classical fourth-order Runge–Kutta.
    Rk4,
}

/// Everything but the seeds: grid, field, frame of its vectors, algorithm, angle, FOD threshold,
/// integrator, settings and stopping criteria.
pub struct TrackingJob<'a> {
    /// The field's grid (its NIfTI affine).
    pub grid: Grid,
    /// The field volume.
    pub field: FieldVolume<'a>,
    /// The axes the field's vectors are written in.
    pub frame: Frame,
    /// The direction rule.
    pub algorithm: Algorithm,
    /// The integrator (`None`: Euler on FODs, RK4 otherwise).
    pub integrator: Option<IntegratorKind>,
    /// Maximum angle per step (degrees, in (0, 90]).
    pub max_angle_deg: f64,
    /// Relative FOD amplitude threshold in [0, 1) (FODs only).
    pub fod_threshold: f64,
    /// Sphere of FOD directions (`None`: [`hemisphere`]`(362)`, about 5.6° apart).
    pub sphere: Option<Vec<[f64; 3]>>,
    /// Step, lengths, random seed, first seed index.
    pub settings: TrackingSettings,
    /// Stopping criteria besides leaving the image and the angle limit.
    pub criteria: Vec<&'a dyn StoppingCriterion<f64>>,
}

impl TrackingJob<'_> {
    /// Checks the angle, threshold and settings, and that probabilistic tracking has an FOD.
    pub fn validate(&self) -> Result<(), Error> {
        self.settings.validate()?;
        let bad = |name, value, reason| {
            Err(Error::BadSetting {
                name,
                value,
                reason,
            })
        };
        if !(self.max_angle_deg > 0.0 && self.max_angle_deg <= 90.0) {
            return bad("max angle (deg)", self.max_angle_deg, "must be in (0, 90]");
        }
        if !(0.0..1.0).contains(&self.fod_threshold) {
            return bad("FOD threshold", self.fod_threshold, "must be in [0, 1)");
        }
        if self.algorithm == Algorithm::Probabilistic && !matches!(self.field, FieldVolume::Sh(..))
        {
            return Err(Error::BadChoice(
                "probabilistic tracking needs an SH FOD; peaks and tensors are deterministic",
            ));
        }
        Ok(())
    }

    /// Tracks every seed (world mm) in parallel; `progress` is called with counts of seeds done.
    /// Results are in seed order and the same for any thread count.
    pub fn run(
        &self,
        seeds: &[[f64; 3]],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Streamline<f64>>, Error> {
        self.validate()?;
        let (grid, frame) = (self.grid.clone(), self.frame);
        let n = grid.voxels();
        let count = |data: &[f64]| {
            if n == 0 || !data.len().is_multiple_of(n) {
                Err(Error::LengthMismatch {
                    what: "field volume values (a multiple of the grid's voxels)".into(),
                    expected: n * (data.len() / n.max(1)).max(1),
                    found: data.len(),
                })
            } else {
                Ok(data.len() / n)
            }
        };
        match self.field {
            FieldVolume::Sh(data, basis) => {
                let sphere = self.sphere.clone().unwrap_or_else(|| hemisphere(362));
                let width = count(data)?;
                let field = ShField::from_volume(grid, data, width, basis, frame, sphere)?;
                match self.algorithm {
                    Algorithm::Deterministic => self.with(
                        &DeterministicMaximum::new(field, self.max_angle_deg, self.fod_threshold),
                        IntegratorKind::Euler,
                        seeds,
                        progress,
                    ),
                    Algorithm::Probabilistic => self.with(
                        &Probabilistic::new(field, self.max_angle_deg, self.fod_threshold),
                        IntegratorKind::Euler,
                        seeds,
                        progress,
                    ),
                }
            }
            FieldVolume::Peaks(data) => {
                let width = count(data)?;
                let field = PeaksField::from_volume(grid, data, width, frame)?;
                let getter = FollowAxis::new(field, self.max_angle_deg);
                self.with(&getter, IntegratorKind::Rk4, seeds, progress)
            }
            FieldVolume::Tensor(data) => {
                let field = TensorField::from_volume(grid, data, frame)?;
                let getter = FollowAxis::new(field, self.max_angle_deg);
                self.with(&getter, IntegratorKind::Rk4, seeds, progress)
            }
        }
    }

    fn with<G: DirectionGetter<f64>>(
        &self,
        getter: &G,
        default: IntegratorKind,
        seeds: &[[f64; 3]],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<Vec<Streamline<f64>>, Error> {
        fn go<G: DirectionGetter<f64>, I: Integrator>(
            job: &TrackingJob<'_>,
            getter: &G,
            integrator: &I,
            seeds: &[[f64; 3]],
            progress: &(dyn Fn(usize) + Sync),
        ) -> Result<Vec<Streamline<f64>>, Error> {
            track_all(
                getter,
                integrator,
                &job.criteria,
                seeds,
                &job.settings,
                progress,
            )
        }
        match self.integrator.unwrap_or(default) {
            IntegratorKind::Euler => go(self, getter, &Euler, seeds, progress),
            IntegratorKind::Rk2 => go(self, getter, &Rk2, seeds, progress),
            IntegratorKind::Rk4 => go(self, getter, &Rk4, seeds, progress),
        }
    }
}

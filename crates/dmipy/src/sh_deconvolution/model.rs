//! `MultiCompartmentSphericalHarmonicsModel`: kernels, S0 responses and fractions, bound to a scheme as an MC-CSD design matrix with its constraints.

use super::kernel::ConvolutionKernel;
use super::qp::InequalityQp;
use super::sphere::{GeodesicSphere, polar_angles};
use super::tournier::TournierSolver;
use crate::{AcquisitionScheme, Error, real_sh_count, real_sh_mrtrix};
use std::f64::consts::PI;

/// The FOD solver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShSolver {
    /// Exact least squares with the FOD ≥ 0 on the positivity sphere, fractions ≥ 0 and the
    /// optional unity constraint: Dmipy's `csd_cvxpy` (Jeurissen et al. 2014, NeuroImage
    /// 103:411, doi:10.1016/j.neuroimage.2014.07.061, eq. 5), solved by [`InequalityQp`]'s
    /// LDP/NNLS method instead of CVXPY.
    Constrained,
    /// Tournier et al. 2007's iterative non-negativity-regularised CSD (Dmipy's
    /// `csd_tournier07`); fixed fractions only.
    Tournier07(TournierOptions),
}

/// Settings of Tournier et al. 2007's CSD (NeuroImage 35:1459,
/// doi:10.1016/j.neuroimage.2007.02.016, Sec. "Constrained super-resolved spherical
/// deconvolution", eq. 4), with Dmipy 1.x's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TournierOptions {
    /// λ, the weight of the penalty on negative FOD amplitudes (default 1, as in the paper and
    /// Dmipy; applied unscaled to the SH rows, as Dmipy does).
    pub lambda_pos: f64,
    /// τ, the threshold below which an amplitude is penalised, relative to the mean amplitude
    /// of the initial FOD (default 0.1, as in the paper).
    pub tau: f64,
    /// Most iterations (default 50).
    pub max_iter: usize,
    /// SH order of the unconstrained initial estimate (default 4).
    pub init_sh_order: usize,
}

impl Default for TournierOptions {
    fn default() -> Self {
        Self {
            lambda_pos: 1.0,
            tau: 0.1,
            max_iter: 50,
            init_sh_order: 4,
        }
    }
}

/// Options of [`MultiCompartmentSphericalHarmonicsModel::bind`], defaults as Dmipy's `fit`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShFitOptions {
    /// The solver (default [`ShSolver::Constrained`]).
    pub solver: ShSolver,
    /// Fractions sum to one (`Some(true)`), free (`Some(false)`), or Dmipy's
    /// `'kernel_dependent'` (`None`, the default): on when fractions are fitted and no S0
    /// responses are given, off otherwise.
    pub unity_constraint: Option<bool>,
    /// Laplace–Beltrami smoothing weight λ_LB on the FOD, $\lambda_{LB}\sum c_{lm}^2 l^2(l+1)^2$
    /// (Descoteaux et al. 2007, Magn. Reson. Med. 58:497, doi:10.1002/mrm.21277, eq. 8); default
    /// 1e-5 as Dmipy's `fit`.
    pub lambda_lb: f64,
    /// Subdivisions of the geodesic sphere whose hemisphere carries the FOD ≥ 0 constraints
    /// (default 3: 321 directions, 8.3° apart; Dmipy uses 362 of DIPY's `symmetric724`).
    pub positivity_subdivisions: usize,
}

impl Default for ShFitOptions {
    fn default() -> Self {
        Self {
            solver: ShSolver::Constrained,
            unity_constraint: None,
            lambda_lb: 1e-5,
            positivity_subdivisions: 3,
        }
    }
}

/// Dmipy 1.x's `MultiCompartmentSphericalHarmonicsModel(models, S0_tissue_responses, sh_order)`:
/// a real-SH fibre orientation distribution (Dmipy's basis, [`real_sh_mrtrix`]) convolved with the
/// kernels of fixed-parameter compartments or data-driven responses (MC-CSD, and with S0 responses
/// MT-CSD, Jeurissen et al. 2014, doi:10.1016/j.neuroimage.2014.07.061):
///
/// $$ \frac{S_i}{S_0} = \sum_k f_k\,\frac{S_{0,k}}{\max_j S_{0,j}} \sum_{lm}\lambda^{(k)}_l(i)\,c^{(k)}_{lm}\,Y_{lm}(\mathbf g_i),
///    \qquad f_k = 2\sqrt\pi\,c^{(k)}_{00}. $$
///
/// With one kernel, or fixed fractions, all kernels share one FOD (their weighted sum is one
/// kernel, Dmipy's "volume_fractions_fixed"); otherwise one anisotropic kernel carries the FOD
/// and each isotropic kernel one fraction (Dmipy's limitation: two oriented kernels with free
/// fractions are refused). With S0 responses the data are divided by the largest response instead
/// of the voxel's b0, and the fractions are tissue fractions.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiCompartmentSphericalHarmonicsModel {
    kernels: Vec<ConvolutionKernel>,
    s0_responses: Option<Vec<f64>>,
    fixed_fractions: Option<Vec<f64>>,
    sh_order: usize,
}

impl MultiCompartmentSphericalHarmonicsModel {
    /// The model over `kernels` (each of order ≥ `sh_order`, all on one scheme). Errors for no
    /// kernel, no anisotropic kernel, an odd order, kernels of lower order or of different
    /// schemes, or S0 responses that are not one positive value per kernel.
    pub fn new(
        kernels: Vec<ConvolutionKernel>,
        s0_responses: Option<Vec<f64>>,
        sh_order: usize,
    ) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidArgument {
            what: "MultiCompartmentSphericalHarmonicsModel".into(),
            reason,
        };
        if !sh_order.is_multiple_of(2) {
            return Err(invalid(format!("sh_order must be even, got {sh_order}")));
        }
        if !kernels.iter().any(|k| !k.is_isotropic()) {
            return Err(invalid("needs at least one anisotropic kernel".into()));
        }
        let n = kernels[0].measurements();
        for k in &kernels {
            if k.measurements() != n || k.sh_order() < sh_order {
                return Err(invalid(format!(
                    "kernel {} has order {} on {} measurements; need order ≥ {sh_order} on {n}",
                    k.name(),
                    k.sh_order(),
                    k.measurements()
                )));
            }
        }
        if let Some(s0) = &s0_responses
            && (s0.len() != kernels.len() || s0.iter().any(|&v| !(v > 0.0 && v.is_finite())))
        {
            return Err(invalid(format!(
                "S0_tissue_responses must be {} positive values, got {s0:?}",
                kernels.len()
            )));
        }
        Ok(Self {
            kernels,
            s0_responses,
            fixed_fractions: None,
            sh_order,
        })
    }

    /// Fixes the volume fractions (one per kernel, summing to one): all kernels then share one
    /// FOD. Errors for the wrong count or fractions outside [0, 1] that do not sum to one.
    pub fn set_fixed_fractions(&mut self, fractions: &[f64]) -> Result<(), Error> {
        let sum: f64 = fractions.iter().sum();
        if fractions.len() != self.kernels.len()
            || fractions.iter().any(|&f| !(0.0..=1.0).contains(&f))
            || (sum - 1.0).abs() > 1e-9
        {
            return Err(Error::InvalidArgument {
                what: "fixed volume fractions".into(),
                reason: format!(
                    "need {} values in [0, 1] summing to 1, got {fractions:?}",
                    self.kernels.len()
                ),
            });
        }
        self.fixed_fractions = Some(fractions.to_vec());
        Ok(())
    }

    /// The kernels.
    pub fn kernels(&self) -> &[ConvolutionKernel] {
        &self.kernels
    }

    /// The FOD's SH order.
    pub fn sh_order(&self) -> usize {
        self.sh_order
    }

    /// Whether all kernels share one FOD (one kernel, or fixed fractions).
    pub fn volume_fractions_fixed(&self) -> bool {
        self.kernels.len() == 1 || self.fixed_fractions.is_some()
    }

    /// The model bound to `scheme` (the one the kernels were built on): design matrix,
    /// constraints and the solver's factorisations, computed once for all voxels. Errors for a
    /// scheme of another length, two oriented kernels with free fractions, Tournier's solver with
    /// free fractions, or a design without full column rank.
    pub fn bind(
        &self,
        scheme: &AcquisitionScheme,
        options: &ShFitOptions,
    ) -> Result<BoundShModel, Error> {
        let sphere = GeodesicSphere::new(options.positivity_subdivisions)?;
        self.bind_with_positivity(scheme, options, &sphere.hemisphere())
    }

    /// [`bind`](Self::bind) with the FOD ≥ 0 constraints on the given unit `directions` instead
    /// of a geodesic hemisphere (e.g. Dmipy's 362 of DIPY's `symmetric724`, to solve exactly
    /// Dmipy's problem). Errors as `bind`, and for an empty list.
    pub fn bind_with_positivity(
        &self,
        scheme: &AcquisitionScheme,
        options: &ShFitOptions,
        directions: &[[f64; 3]],
    ) -> Result<BoundShModel, Error> {
        if directions.is_empty() {
            return Err(Error::Empty {
                what: "positivity directions".into(),
            });
        }
        if scheme.len() != self.kernels[0].measurements() {
            return Err(Error::LengthMismatch {
                what: "scheme of the deconvolution kernels (measurements)".into(),
                expected: self.kernels[0].measurements(),
                found: scheme.len(),
            });
        }
        let layout = Layout::new(self)?;
        let design = self.design(scheme, &layout);
        let unity = options
            .unity_constraint
            .unwrap_or(self.s0_responses.is_none() && !self.volume_fractions_fixed());
        let ncoef = real_sh_count(self.sh_order);
        let hemisphere = directions;
        let mut positivity = vec![0.0; hemisphere.len() * ncoef];
        for (row, v) in positivity.chunks_exact_mut(ncoef).zip(hemisphere) {
            let (theta, phi) = polar_angles(v);
            real_sh_mrtrix(self.sh_order, theta, phi, row)?;
        }
        let solver = match options.solver {
            ShSolver::Constrained => Solver::Constrained(constrained_qp(
                &design,
                &layout,
                &positivity,
                options.lambda_lb,
                unity,
                self.sh_order,
            )?),
            ShSolver::Tournier07(t) => {
                if !self.volume_fractions_fixed() {
                    return Err(Error::InvalidArgument {
                        what: "solver".into(),
                        reason: "Tournier07 CSD cannot estimate volume fractions (as in Dmipy); \
                                 use the constrained solver or fix the fractions"
                            .into(),
                    });
                }
                Solver::Tournier(TournierSolver::new(
                    &design,
                    scheme.len(),
                    positivity,
                    self.sh_order,
                    options.lambda_lb,
                    unity,
                    t,
                )?)
            }
        };
        let max_s0 = self
            .s0_responses
            .as_ref()
            .map(|s| s.iter().fold(0.0f64, |a, &b| a.max(b)));
        Ok(BoundShModel {
            sh_order: self.sh_order,
            measurements: scheme.len(),
            b0_mask: scheme.b0_mask().to_vec(),
            design,
            layout,
            solver,
            max_s0,
            unity,
            names: self.kernels.iter().map(|k| k.name().to_string()).collect(),
        })
    }

    /// The design matrix (measurements × unknowns, row-major) for `layout`.
    fn design(&self, scheme: &AcquisitionScheme, layout: &Layout) -> Vec<f64> {
        let n = scheme.len();
        let p = layout.unknowns;
        let ncoef = real_sh_count(self.sh_order);
        let mut a = vec![0.0; n * p];
        let mut y = vec![0.0; ncoef];
        let max_s0 = self
            .s0_responses
            .as_ref()
            .map_or(1.0, |s| s.iter().fold(0.0f64, |a, &b| a.max(b)));
        for i in 0..n {
            let (theta, phi) = polar_angles(&scheme.directions()[i]);
            // Valid: the order was checked even in `new`.
            real_sh_mrtrix(self.sh_order, theta, phi, &mut y).expect("even order, sized buffer");
            let row = &mut a[i * p..(i + 1) * p];
            for (k, kernel) in self.kernels.iter().enumerate() {
                let mut weight = self.s0_responses.as_ref().map_or(1.0, |s| s[k] / max_s0);
                if let Some(f) = &self.fixed_fractions {
                    weight *= f[k];
                }
                let rh = kernel.rotational_harmonics(i);
                let start = layout.column[k];
                if layout.shared || !kernel.is_isotropic() {
                    for l in (0..=self.sh_order).step_by(2) {
                        let first = l * l.saturating_sub(1) / 2;
                        for j in first..first + 2 * l + 1 {
                            row[start + j] += weight * rh[l / 2] * y[j];
                        }
                    }
                } else {
                    row[start] += weight * rh[0] * y[0];
                }
            }
        }
        a
    }
}

/// Where each kernel's unknowns are.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    /// All kernels share one FOD (columns 0..ncoef).
    pub shared: bool,
    /// First column of each kernel (its c₀₀).
    pub column: Vec<usize>,
    /// Whether each kernel carries a full FOD block.
    pub oriented: Vec<bool>,
    /// First column of the FOD block.
    pub fod_start: usize,
    /// Number of unknowns.
    pub unknowns: usize,
    /// Fixed fraction of each kernel when shared (1 for a single kernel).
    pub fixed: Option<Vec<f64>>,
}

impl Layout {
    fn new(model: &MultiCompartmentSphericalHarmonicsModel) -> Result<Self, Error> {
        let ncoef = real_sh_count(model.sh_order);
        let k = model.kernels.len();
        if model.volume_fractions_fixed() {
            return Ok(Self {
                shared: true,
                column: vec![0; k],
                oriented: vec![true; k],
                fod_start: 0,
                unknowns: ncoef,
                fixed: Some(model.fixed_fractions.clone().unwrap_or(vec![1.0])),
            });
        }
        let oriented: Vec<bool> = model.kernels.iter().map(|k| !k.is_isotropic()).collect();
        if oriented.iter().filter(|&&o| o).count() > 1 {
            return Err(Error::InvalidArgument {
                what: "MultiCompartmentSphericalHarmonicsModel".into(),
                reason: "cannot estimate the fractions of two oriented kernels (as in Dmipy); \
                         fix the fractions or keep one anisotropic kernel"
                    .into(),
            });
        }
        let mut column = Vec::with_capacity(k);
        let mut next = 0;
        let mut fod_start = 0;
        for &o in &oriented {
            column.push(next);
            if o {
                fod_start = next;
                next += ncoef;
            } else {
                next += 1;
            }
        }
        Ok(Self {
            shared: false,
            column,
            oriented,
            fod_start,
            unknowns: next,
            fixed: None,
        })
    }
}

/// The constrained QP: H = AᵀA + λ_LB R, rows "FOD ≥ 0 on the hemisphere" and "c₀₀ ≥ 0" of
/// each isotropic kernel, and Σ 2√π c₀₀ = 1 when `unity`.
fn constrained_qp(
    design: &[f64],
    layout: &Layout,
    positivity: &[f64],
    lambda_lb: f64,
    unity: bool,
    sh_order: usize,
) -> Result<InequalityQp, Error> {
    let p = layout.unknowns;
    let n = design.len() / p;
    let ncoef = real_sh_count(sh_order);
    let mut h = vec![0.0; p * p];
    for r in 0..n {
        let row = &design[r * p..(r + 1) * p];
        for i in 0..p {
            if row[i] != 0.0 {
                for j in 0..p {
                    h[i * p + j] += row[i] * row[j];
                }
            }
        }
    }
    for (j, w) in laplace_beltrami_weights(sh_order).iter().enumerate() {
        let c = layout.fod_start + j;
        h[c * p + c] += lambda_lb * w;
    }
    let hemisphere = positivity.len() / ncoef;
    let isotropic: Vec<usize> = (0..layout.column.len())
        .filter(|&k| !layout.shared && !layout.oriented[k])
        .map(|k| layout.column[k])
        .collect();
    let k = hemisphere + isotropic.len();
    let mut g = vec![0.0; k * p];
    for (r, row) in positivity.chunks_exact(ncoef).enumerate() {
        g[r * p + layout.fod_start..r * p + layout.fod_start + ncoef].copy_from_slice(row);
    }
    for (r, &c) in isotropic.iter().enumerate() {
        g[(hemisphere + r) * p + c] = 1.0;
    }
    let bounds = vec![0.0; k];
    let mut a = vec![0.0; p];
    if layout.shared {
        a[0] = 2.0 * PI.sqrt();
    } else {
        for &c in &layout.column {
            a[c] = 2.0 * PI.sqrt();
        }
    }
    InequalityQp::new(&h, p, &g, &bounds, unity.then_some((&a[..], 1.0)))
}

/// $l^2(l+1)^2$ for every coefficient of order ≤ `sh_order` (Dmipy's order).
pub(crate) fn laplace_beltrami_weights(sh_order: usize) -> Vec<f64> {
    (0..=sh_order)
        .step_by(2)
        .flat_map(|l| std::iter::repeat_n(((l * l * (l + 1) * (l + 1)) as f64).max(0.0), 2 * l + 1))
        .collect()
}

/// The bound solver.
#[derive(Debug, Clone)]
pub(crate) enum Solver {
    Constrained(InequalityQp),
    Tournier(TournierSolver),
}

/// A [`MultiCompartmentSphericalHarmonicsModel`] bound to a scheme: what every voxel's fit
/// shares. Fit with [`fit_sh_deconvolution`](super::fit_sh_deconvolution).
#[derive(Debug, Clone)]
pub struct BoundShModel {
    pub(crate) sh_order: usize,
    pub(crate) measurements: usize,
    pub(crate) b0_mask: Vec<bool>,
    pub(crate) design: Vec<f64>,
    pub(crate) layout: Layout,
    pub(crate) solver: Solver,
    pub(crate) max_s0: Option<f64>,
    pub(crate) unity: bool,
    pub(crate) names: Vec<String>,
}

impl BoundShModel {
    /// Number of unknowns per voxel (FOD coefficients and isotropic fractions).
    pub fn unknowns(&self) -> usize {
        self.layout.unknowns
    }

    /// Whether the unity constraint is on.
    pub fn unity_constraint(&self) -> bool {
        self.unity
    }

    /// The kernel names, in the order of the fractions.
    pub fn kernel_names(&self) -> &[String] {
        &self.names
    }

    /// The normalised signal $A x$ of one voxel's unknowns `x` into `out` (one per measurement).
    pub fn predict_normalised(&self, x: &[f64], out: &mut [f64]) {
        let p = self.layout.unknowns;
        for (o, row) in out.iter_mut().zip(self.design.chunks_exact(p)) {
            *o = row.iter().zip(x).map(|(a, b)| a * b).sum();
        }
    }

    /// The volume fraction of each kernel from one voxel's unknowns: $2\sqrt\pi c_{00}$ per
    /// kernel, or the shared FOD's $2\sqrt\pi c_{00}$ times each fixed fraction.
    pub fn fractions(&self, x: &[f64], out: &mut [f64]) {
        let jacobian = 2.0 * PI.sqrt();
        match &self.layout.fixed {
            Some(f) => {
                for (o, &fk) in out.iter_mut().zip(f) {
                    *o = jacobian * x[0] * fk;
                }
            }
            None => {
                for (o, &c) in out.iter_mut().zip(&self.layout.column) {
                    *o = jacobian * x[c];
                }
            }
        }
    }
}

//! `fit_model`: fits a multi-compartment model to every voxel through the fitting engine, and the `ModelFit` it returns.
//!
//! The engine ([`fit_voxels_with`]) fits a [`FitModel`]; [`SolverModel`] adapts a
//! [`MultiCompartmentModel`] to it. The solver's vector is the model's free vector with the
//! free partial volumes replaced by nested (stick-breaking) fractions:
//!
//! - the free scalars other than the partial volumes, in free-vector order (SI units; kind
//!   `Fraction` reported as `Other`, so that the grid treats `…_fraction` parameters one by one);
//! - then K − 1 nested fractions $t_j \in [0, 1]$ (kind `Other`, one grid axis each) for the K
//!   free partial volumes, which are $f = R\,\mathrm{nested}(t)$ with
//!   [`nested_to_fractions`](super::nested_to_fractions) and the remainder
//!   $R = 1 - \sum(\text{partial volumes fixed for this voxel})$ (R = 1 when all are free; with
//!   K = 1 the free partial volume is R itself and has no solver variable).
//!
//! Every vector inside the bounds therefore has $f \ge 0$ and $\sum_i f_i = 1$ up to rounding
//! (≈1e-16), whatever the solver does — the sum is a property of the map, not a constraint the
//! solver has to meet. The nested fractions range over [0, 1] (as in Dmipy's brute-to-fine
//! optimiser), so a fitted partial volume may leave Dmipy's range [0.01, 0.99].
//!
//! Per-voxel fixed parameters make the signal depend on the voxel: the adapter says so
//! ([`FitModel::varies_per_voxel`]) and the engine scores its brute-force grid voxel by voxel.
//!
//! Spherical-mean models: the data stay per measurement; each voxel's spherical mean per shell is
//! estimated by the scheme's per-shell SH fit ([`AcquisitionScheme::spherical_means`], in the
//! order of [`AcquisitionScheme::shells`]) and the engine fits those means on a scheme with one
//! measurement per shell, dividing them by the mean of the b0 shell(s). The adapter evaluates the
//! model on the original scheme, whose per-shell output has the same order.

use super::ModelScratch;
use super::MultiCompartmentModel;
use super::fractions::{nested_from_fractions, nested_to_fractions};
use super::parameters::ValueSource;
use super::vectors::MAX_COMPONENTS;
use crate::{
    AcquisitionScheme, Error, FitControl, FitModel, FitOptions, FitResult, InitialGuess,
    ParameterKind, PulseTiming, Scalar, SchemeOptions, VjpScratch, fit_voxels_with,
};
use num_dual::Dual64;

/// The result of [`fit_model`]: parameter maps in Dmipy's names, with the engine's diagnostics.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelFit {
    /// Dmipy's `parameter_names` of the model (free parameters, links removed; parameters fixed
    /// per voxel included) with cardinality, in order.
    pub names: Vec<(String, usize)>,
    /// voxels × (sum of cardinalities): the fitted parameters in SI, partial volumes as volume
    /// fractions that sum to one (not nested fractions), orientations as [θ, φ] with
    /// θ ∈ [0, π], φ ∈ (−π, π]; parameters fixed per voxel are copied exactly. NaN for voxels
    /// not fitted (see `diagnostics.flags`).
    pub parameters: Vec<f64>,
    /// Cramér–Rao standard deviations in the same layout (0 for parameters fixed per voxel), if
    /// `options.uncertainties`. Partial volumes get theirs from the nested fractions' by the
    /// delta method (see [`fit_model`]).
    pub std: Option<Vec<f64>>,
    /// Per-voxel diagnostics of the engine: S0, MSE, R², iterations, convergence, flags. Its
    /// `parameters` is empty and its `std` `None` (the values are above, in the public layout).
    pub diagnostics: FitResult,
}

impl ModelFit {
    /// Number of voxels.
    pub fn n_voxels(&self) -> usize {
        self.diagnostics.n_voxels
    }

    /// Number of scalars per voxel in [`parameters`](Self::parameters).
    pub fn width(&self) -> usize {
        self.names.iter().map(|n| n.1).sum()
    }

    /// Column of the first scalar of parameter `name` in a voxel's row, and its cardinality.
    pub fn parameter(&self, name: &str) -> Option<(usize, usize)> {
        let mut column = 0;
        for (n, card) in &self.names {
            if n == name {
                return Some((column, *card));
            }
            column += card;
        }
        None
    }

    /// The S0-free signal (attenuation) of every voxel at its fitted parameters:
    /// voxels × [`output_len`](MultiCompartmentModel::output_len) (`scheme.len()`, or the number
    /// of shells for a spherical-mean model). NaN rows for voxels not fitted. Errors if `model`
    /// is not the one fitted (other parameter names).
    pub fn predict(
        &self,
        model: &MultiCompartmentModel,
        scheme: &AcquisitionScheme,
    ) -> Result<Vec<f64>, Error> {
        let names: Vec<(String, usize)> = public_names(model);
        if names != self.names {
            return Err(Error::InvalidArgument {
                what: "model of a prediction".into(),
                reason: format!(
                    "{} does not have the fitted parameters",
                    model.description()
                ),
            });
        }
        let (m, width) = (model.output_len(scheme), self.width());
        let mut out = vec![0.0; self.n_voxels() * m];
        let mut full = vec![0.0; model.full_len()];
        let mut scratch = model.scratch(scheme);
        for (row, o) in self.parameters.chunks(width.max(1)).zip(out.chunks_mut(m)) {
            model.full_from_parameters(row, &mut full)?;
            model.signal_with(scheme, &full, o, &mut scratch)?;
        }
        Ok(out)
    }
}

pub(super) fn public_names(model: &MultiCompartmentModel) -> Vec<(String, usize)> {
    model
        .parameter_cardinality()
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect()
}

/// Fits `model` to every voxel of `data` (voxels × `scheme.len()`, raw signals incl. b0s) with
/// the engine's brute-force start, bounded Levenberg–Marquardt and, if
/// `options.uncertainties`, Cramér–Rao standard deviations (see the module documentation for
/// the solver's vector).
///
/// Initial guesses: the model's [`set_initial_guess_parameter`](MultiCompartmentModel::set_initial_guess_parameter)
/// values override the grid for those parameters (partial volumes only when every free one has
/// a guess); `options.initial`, if given, is in the model's free-vector layout
/// ([`free_parameter_names`](MultiCompartmentModel::free_parameter_names), SI, partial volumes as
/// volume fractions) and its non-NaN values override the model's.
///
/// Standard deviations of partial volumes: $\sigma_{f_i}^2 = \sum_j (\partial f_i/\partial t_j)^2
/// \sigma_{t_j}^2$, the delta method with the Jacobian of the nested map; the engine reports
/// standard deviations, not covariances, so correlations between the nested fractions are
/// neglected.
///
/// Errors: data whose length is not a multiple of `scheme.len()`, per-voxel parameters or
/// guesses of another voxel count, and every error of [`fit_voxels_with`].
pub fn fit_model(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &FitOptions,
    control: &FitControl,
) -> Result<ModelFit, Error> {
    let n_voxels = data_voxels(model, scheme, data)?;
    let adapter = SolverModel::new(model, scheme, n_voxels)?;
    let mut engine_options = options.clone();
    engine_options.initial = adapter.initial_guesses(&options.initial, n_voxels)?;
    let mut diagnostics = if model.is_spherical_mean() {
        let (shell_scheme, means) = shell_means(scheme, data)?;
        fit_voxels_with(&adapter, &shell_scheme, &means, &engine_options, control)?
    } else {
        fit_voxels_with(&adapter, scheme, data, &engine_options, control)?
    };
    let (parameters, std) = adapter.public_parameters(&diagnostics)?;
    diagnostics.parameters = Vec::new();
    diagnostics.std = None;
    Ok(ModelFit {
        names: public_names(model),
        parameters,
        std,
        diagnostics,
    })
}

/// The number of voxels of `data` (voxels × `scheme.len()`), checked against the per-voxel values
/// of `model`: the first check of every fitting driver.
pub(super) fn data_voxels(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
) -> Result<usize, Error> {
    let m = scheme.len();
    if m == 0 || !data.len().is_multiple_of(m) {
        return Err(Error::LengthMismatch {
            what: "voxel data (voxels × measurements)".into(),
            expected: (data.len() / m.max(1)) * m,
            found: data.len(),
        });
    }
    let n_voxels = data.len() / m;
    if let Some(n) = model.voxel_count().filter(|&n| n != n_voxels) {
        return Err(Error::LengthMismatch {
            what: format!("voxels of the per-voxel values of {}", model.description()),
            expected: n_voxels,
            found: n,
        });
    }
    Ok(n_voxels)
}

/// What a model's output is compared with, from one voxel's normalised data (one value per
/// measurement): the data themselves, or for a spherical-mean model their per-shell means
/// ([`AcquisitionScheme::spherical_means`]). For the solvers that normalise voxel by voxel.
pub(super) fn model_outputs(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    normalised: Vec<f64>,
) -> Result<Vec<f64>, Error> {
    if !model.is_spherical_mean() {
        return Ok(normalised);
    }
    let mut means = vec![0.0; model.output_len(scheme)];
    scheme.spherical_means(&normalised, &mut means)?;
    Ok(means)
}

/// A scheme with one measurement per shell of `scheme` (b0 shells at b = 0, the others at their
/// mean b-value, no timing: the engine reads only its length and b0 mask) and the per-shell
/// spherical mean of every voxel's data ([`AcquisitionScheme::spherical_means`], an SH fit).
fn shell_means(
    scheme: &AcquisitionScheme,
    data: &[f64],
) -> Result<(AcquisitionScheme, Vec<f64>), Error> {
    let shells = scheme.shells();
    let b: Vec<f64> = shells
        .iter()
        .map(|s| if s.is_b0 { 0.0 } else { s.bvalue })
        .collect();
    let options = SchemeOptions {
        b0_threshold: 0.0,
        min_shell_distance: 0.0,
        renormalize_directions: false,
        lenient_units: true,
    };
    let shell_scheme = AcquisitionScheme::from_bvalues(
        &b,
        &vec![[0.0, 0.0, 1.0]; b.len()],
        PulseTiming::none(),
        &options,
    )?;
    let mut means = vec![0.0; data.len() / scheme.len() * shells.len()];
    for (voxel, out) in data
        .chunks_exact(scheme.len())
        .zip(means.chunks_exact_mut(shells.len()))
    {
        scheme.spherical_means(voxel, out)?;
    }
    Ok((shell_scheme, means))
}

/// A [`MultiCompartmentModel`] seen by the fitting engine and by samplers (through
/// [`VoxelLikelihood`](crate::VoxelLikelihood)): a [`FitModel`] whose vector is the solver's
/// vector of the module documentation (free scalars in SI, then nested fractions for the free
/// partial volumes), so that every vector inside its bounds has fractions on the simplex.
///
/// For a spherical-mean model the signal is one value per shell of `scheme`; its data are the
/// shell means of [`AcquisitionScheme::spherical_means`].
pub struct SolverModel<'a> {
    model: &'a MultiCompartmentModel,
    /// The scheme the model is evaluated on (the original one, also for spherical means).
    scheme: &'a AcquisitionScheme,
    /// Free-vector positions of the solver's leading scalars (all but the free partial volumes).
    others: Vec<usize>,
    /// Free-vector positions of the free partial volumes.
    volumes: Vec<usize>,
    /// Remainder R per voxel (empty: R = 1 for every voxel).
    remainder: Vec<f64>,
    bounds: Vec<(f64, f64)>,
    scales: Vec<f64>,
    kinds: Vec<ParameterKind>,
    varies: bool,
}

/// Per-thread working memory of [`SolverModel`].
pub struct SolverScratch<D> {
    free: Vec<D>,
    full: Vec<D>,
    model: ModelScratch<D>,
}

impl<'a> SolverModel<'a> {
    /// `model` on `scheme` for `n_voxels` voxels (the count matters only for parameters fixed
    /// per voxel). Errors when per-voxel values do not match `n_voxels`.
    pub fn new(
        model: &'a MultiCompartmentModel,
        scheme: &'a AcquisitionScheme,
        n_voxels: usize,
    ) -> Result<Self, Error> {
        let free_params = model.public.iter().map(|&i| (i, &model.params[i]));
        let (mut kinds, mut volumes, mut position) = (Vec::new(), Vec::new(), 0);
        for (i, p) in free_params.filter(|(_, p)| p.source == ValueSource::Free) {
            if model.partial_volumes.contains(&i) {
                volumes.push(position);
            }
            let kind = match p.kind() {
                ParameterKind::Fraction => ParameterKind::Other,
                k => k,
            };
            kinds.extend(std::iter::repeat_n(kind, p.cardinality()));
            position += p.cardinality();
        }
        let others: Vec<usize> = (0..position).filter(|i| !volumes.contains(i)).collect();
        let (free_bounds, free_scales) = (model.free_bounds(), model.free_scales());
        let nested = volumes.len().saturating_sub(1);
        let mut adapter = Self {
            model,
            scheme,
            bounds: others.iter().map(|&i| free_bounds[i]).collect(),
            scales: others.iter().map(|&i| free_scales[i]).collect(),
            kinds: others.iter().map(|&i| kinds[i]).collect(),
            others,
            volumes,
            remainder: Vec::new(),
            varies: model.params.iter().any(|p| p.is_fixed_per_voxel()),
        };
        adapter
            .bounds
            .extend(std::iter::repeat_n((0.0, 1.0), nested));
        adapter.scales.extend(std::iter::repeat_n(1.0, nested));
        adapter
            .kinds
            .extend(std::iter::repeat_n(ParameterKind::Other, nested));
        adapter.remainder = adapter.remainders(n_voxels)?;
        Ok(adapter)
    }

    /// $R = 1 - \sum$ of the partial volumes that are not free, per voxel (empty when all are
    /// free or none is).
    fn remainders(&self, n_voxels: usize) -> Result<Vec<f64>, Error> {
        let model = self.model;
        let fixed: Vec<usize> = model
            .partial_volumes
            .iter()
            .filter(|&&i| model.params[i].source != ValueSource::Free)
            .map(|&i| model.params[i].offset())
            .collect();
        if fixed.is_empty() || self.volumes.is_empty() {
            return Ok(Vec::new());
        }
        let free = vec![0.0; model.free_len()];
        let mut full = vec![0.0; model.full_len()];
        let count = if self.varies { n_voxels } else { 1 };
        let mut out = Vec::with_capacity(count);
        for v in 0..count {
            model.full_from_free(&free, v, &mut full)?;
            out.push(1.0 - fixed.iter().map(|&o| full[o]).sum::<f64>());
        }
        Ok(out)
    }

    fn remainder(&self, voxel: usize) -> f64 {
        match self.remainder.len() {
            0 => 1.0,
            1 => self.remainder[0],
            _ => self.remainder[voxel],
        }
    }

    /// The free vector of voxel `voxel` from the solver's vector `x`.
    pub(crate) fn free_from_x<D: Scalar>(&self, x: &[D], voxel: usize, free: &mut [D]) {
        for (&i, &v) in self.others.iter().zip(x) {
            free[i] = v;
        }
        let k = self.volumes.len();
        if k == 0 {
            return;
        }
        let mut fractions = [D::zero(); MAX_COMPONENTS];
        nested_to_fractions(&x[self.others.len()..], &mut fractions[..k]);
        let r = D::from(self.remainder(voxel));
        for (&i, &f) in self.volumes.iter().zip(&fractions) {
            free[i] = r * f;
        }
    }
}

impl FitModel for SolverModel<'_> {
    type Scratch<D: Scalar> = SolverScratch<D>;

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
    fn varies_per_voxel(&self) -> bool {
        self.varies
    }
    fn scratch<D: Scalar>(&self, _: &AcquisitionScheme) -> SolverScratch<D> {
        SolverScratch {
            free: vec![D::zero(); self.model.free_len()],
            full: vec![D::zero(); self.model.full_len()],
            model: self.model.scratch(self.scheme),
        }
    }

    /// The model's signal on the original scheme; the engine's `scheme` is ignored (it is the
    /// per-shell scheme for spherical means, see the module documentation).
    fn signal<D: Scalar>(
        &self,
        _: &AcquisitionScheme,
        voxel: usize,
        x: &[D],
        out: &mut [D],
        scratch: &mut SolverScratch<D>,
    ) -> Result<(), Error> {
        self.free_from_x(x, voxel, &mut scratch.free);
        let voxel = if self.varies { voxel } else { 0 };
        self.model
            .full_from_free(&scratch.free, voxel, &mut scratch.full)?;
        self.model
            .signal_with(self.scheme, &scratch.full, out, &mut scratch.model)
    }

    /// When every component has at most `vjp::MAX_WIDTH` parameters (see `model/vjp.rs`).
    fn has_vjp(&self) -> bool {
        self.model.has_component_vjp()
    }

    /// φ = F(x) in f64, ∂φ/∂x by one `Dual64` pass of F per solver variable, then the
    /// components' signals and Jacobians (`MultiCompartmentModel::signal_for_vjp`).
    fn signal_for_vjp(
        &self,
        voxel: usize,
        x: &[f64],
        out: &mut [f64],
        state: &mut VjpScratch,
    ) -> Result<(), Error> {
        let (n, free_len, full_len) = (x.len(), self.model.free_len(), self.model.full_len());
        let at = if self.varies { voxel } else { 0 };
        state.free.resize(free_len, 0.0);
        state.full.resize(full_len, 0.0);
        self.free_from_x(x, voxel, &mut state.free);
        self.model
            .full_from_free(&state.free, at, &mut state.full)?;
        let zero = Dual64::from(0.0);
        state.x_d.resize(n, zero);
        state.free_d.resize(free_len, zero);
        state.full_d.resize(full_len, zero);
        state.dfull_dx.resize(full_len * n, 0.0);
        for k in 0..n {
            for (j, (d, &v)) in state.x_d.iter_mut().zip(x).enumerate() {
                *d = if j == k {
                    Dual64::from(v).derivative()
                } else {
                    Dual64::from(v)
                };
            }
            self.free_from_x(&state.x_d, voxel, &mut state.free_d);
            self.model
                .full_from_free(&state.free_d, at, &mut state.full_d)?;
            for (r, d) in state.full_d.iter().enumerate() {
                state.dfull_dx[r * n + k] = d.eps;
            }
        }
        let full = std::mem::take(&mut state.full);
        let result = self.model.signal_for_vjp(self.scheme, &full, out, state);
        state.full = full;
        result
    }

    /// $J^\top\rho = (\partial\phi/\partial x)^\top \sum_i \rho_i\,\partial S_i/\partial\phi$.
    fn vjp(&self, rho: &[f64], state: &mut VjpScratch, gradient: &mut [f64]) {
        let n = gradient.len();
        let mut grad_full = std::mem::take(&mut state.grad_full);
        grad_full.clear();
        grad_full.resize(state.full.len(), 0.0);
        self.model.vjp_full(&state.full, rho, state, &mut grad_full);
        for (k, g) in gradient.iter_mut().enumerate() {
            *g = (grad_full.iter().enumerate())
                .map(|(r, gf)| state.dfull_dx[r * n + k] * gf)
                .sum();
        }
        state.grad_full = grad_full;
    }
}

impl SolverModel<'_> {
    /// The engine's initial guesses (solver layout) from the model's guesses overridden by the
    /// caller's (free layout): `InitialGuess::None` when neither gives any value.
    fn initial_guesses(
        &self,
        caller: &InitialGuess,
        n_voxels: usize,
    ) -> Result<InitialGuess, Error> {
        let n_free = self.model.free_len();
        let (given, per_voxel) = match caller {
            InitialGuess::None => (&[][..], false),
            InitialGuess::Global(g) => (g.as_slice(), false),
            InitialGuess::PerVoxel(g) => (g.as_slice(), true),
        };
        let expected = if per_voxel { n_free * n_voxels } else { n_free };
        if !given.is_empty() && given.len() != expected {
            return Err(Error::LengthMismatch {
                what: "initial guess (free parameters)".into(),
                expected,
                found: given.len(),
            });
        }
        let model_has = self.model.initial.iter().any(Option::is_some);
        if given.is_empty() && !model_has {
            return Ok(InitialGuess::None);
        }
        let mut out = vec![f64::NAN; n_voxels * self.n_free()];
        let mut free = vec![f64::NAN; n_free];
        for (v, x) in out.chunks_exact_mut(self.n_free().max(1)).enumerate() {
            for (f, g) in free.iter_mut().zip(self.model.initial_guess_free(v)?) {
                *f = g.unwrap_or(f64::NAN);
            }
            let row = if per_voxel { v * n_free } else { 0 };
            for (f, &g) in free
                .iter_mut()
                .zip(given.get(row..row + n_free).unwrap_or(&[]))
            {
                if !g.is_nan() {
                    *f = g;
                }
            }
            self.x_from_free(&free, x);
        }
        Ok(InitialGuess::PerVoxel(out))
    }

    /// The solver's vector from a free vector (NaN where unknown; nested fractions only when
    /// every free partial volume is known).
    pub(crate) fn x_from_free(&self, free: &[f64], x: &mut [f64]) {
        for (o, &i) in x.iter_mut().zip(&self.others) {
            *o = free[i];
        }
        let k = self.volumes.len();
        let nested = &mut x[self.others.len()..];
        let mut fractions = [0.0; MAX_COMPONENTS];
        for (f, &i) in fractions.iter_mut().zip(&self.volumes) {
            *f = free[i];
        }
        if k > 1 && fractions[..k].iter().all(|f| f.is_finite()) {
            nested_from_fractions(&fractions[..k], nested);
        } else {
            nested.fill(f64::NAN);
        }
    }

    /// The public parameters (and standard deviations) of every voxel from the engine's result.
    fn public_parameters(&self, fit: &FitResult) -> Result<(Vec<f64>, Option<Vec<f64>>), Error> {
        let model = self.model;
        let width: usize = model.parameter_cardinality().iter().map(|c| c.1).sum();
        let n = self.n_free();
        let mut parameters = vec![f64::NAN; fit.n_voxels * width];
        let mut std = fit
            .std
            .as_ref()
            .map(|_| vec![f64::NAN; fit.n_voxels * width]);
        let (mut free, mut full) = (vec![0.0; model.free_len()], vec![0.0; model.full_len()]);
        let mut free_sd = vec![0.0; model.free_len()];
        for v in 0..fit.n_voxels {
            let x = &fit.parameters[v * n..(v + 1) * n];
            if x.iter().any(|x| x.is_nan()) {
                continue;
            }
            let row = &mut parameters[v * width..(v + 1) * width];
            self.public_with(x, v, (&mut free, &mut full), row)?;
            if let (Some(out), Some(sd)) = (std.as_mut(), fit.std.as_ref()) {
                self.free_sd(x, &sd[v * n..(v + 1) * n], v, &mut free_sd);
                full.fill(0.0);
                for (&o, &s) in model.free_offsets.iter().zip(&free_sd) {
                    full[o] = s;
                }
                model.public_from_full(&full, &mut out[v * width..(v + 1) * width]);
            }
        }
        Ok((parameters, std))
    }

    /// What each entry of the solver's vector is, for samplers that transform it: the free
    /// parameter's Dmipy name and component index (0/1 = θ/φ of an orientation) for the leading
    /// scalars, then `None` for each nested fraction (the last K − 1 entries, each in [0, 1]).
    pub fn x_labels(&self) -> Vec<Option<(&str, usize)>> {
        let free: Vec<(&str, usize)> = (self.model.free_parameter_names().into_iter())
            .flat_map(|(name, card)| (0..card).map(move |k| (name, k)))
            .collect();
        let nested = self.volumes.len().saturating_sub(1);
        (self.others.iter().map(|&i| Some(free[i])))
            .chain(std::iter::repeat_n(None, nested))
            .collect()
    }

    /// The public parameters of voxel `voxel` (Dmipy's names and layout, as [`ModelFit`]
    /// reports them) at the solver's vector `x`, written to `row`.
    pub fn public_from_x(&self, x: &[f64], voxel: usize, row: &mut [f64]) -> Result<(), Error> {
        let model = self.model;
        let (mut free, mut full) = (vec![0.0; model.free_len()], vec![0.0; model.full_len()]);
        self.public_with(x, voxel, (&mut free, &mut full), row)
    }

    /// [`public_from_x`](Self::public_from_x) with caller-owned free and full vectors.
    fn public_with(
        &self,
        x: &[f64],
        voxel: usize,
        (free, full): (&mut [f64], &mut [f64]),
        row: &mut [f64],
    ) -> Result<(), Error> {
        self.free_from_x(x, voxel, free);
        let voxel = if self.varies { voxel } else { 0 };
        self.model.full_from_free(free, voxel, full)?;
        self.model.public_from_full(full, row);
        Ok(())
    }

    /// Standard deviations of the free vector from those of the solver's vector `sd` at `x`:
    /// copied for plain scalars, by the delta method for the partial volumes.
    fn free_sd(&self, x: &[f64], sd: &[f64], voxel: usize, out: &mut [f64]) {
        for (&i, &s) in self.others.iter().zip(sd) {
            out[i] = s;
        }
        let (k, first) = (self.volumes.len(), self.others.len());
        let mut variance = [0.0; MAX_COMPONENTS];
        let r = self.remainder(voxel);
        for j in 0..k.saturating_sub(1) {
            let mut t = [Dual64::from(0.0); MAX_COMPONENTS];
            for (l, t) in t[..k - 1].iter_mut().enumerate() {
                *t = Dual64::from(x[first + l]);
                if l == j {
                    *t = t.derivative();
                }
            }
            let mut f = [Dual64::from(0.0); MAX_COMPONENTS];
            nested_to_fractions(&t[..k - 1], &mut f[..k]);
            for (var, f) in variance.iter_mut().zip(&f[..k]) {
                *var += (r * f.eps * sd[first + j]).powi(2);
            }
        }
        for (&i, &var) in self.volumes.iter().zip(&variance) {
            out[i] = var.sqrt();
        }
    }
}

#[cfg(test)]
mod tests;

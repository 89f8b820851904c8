//! Stand-in for the core's `fit_model`/`ModelFit` (branch h14) with the same signatures, built on `fit_voxels_with`; deleted when h14 lands.
//!
//! Limits of the stand-in: no per-voxel fixed parameters or initial guesses, no spherical-mean
//! models, no Cramér–Rao deviations. The core's version has none of these limits.

use dmipy::{
    AcquisitionScheme, Error, FitControl, FitModel, FitOptions, FitResult, ModelScratch,
    MultiCompartmentModel, ParameterKind, Scalar, fit_voxels_with,
};

/// The result of [`fit_model`], as the core's `ModelFit`.
#[derive(Debug, Clone)]
pub struct ModelFit {
    /// Free parameter names and cardinalities, in column order.
    pub names: Vec<(String, usize)>,
    /// Fitted free parameters (SI), voxels × Σ cardinalities; partial volumes sum to one.
    pub parameters: Vec<f64>,
    /// Standard deviations, when asked for (never, in the stand-in).
    pub std: Option<Vec<f64>>,
    /// S0, MSE, R², iterations, convergence and flags per voxel.
    pub diagnostics: FitResult,
}

impl ModelFit {
    /// Number of voxels.
    pub fn n_voxels(&self) -> usize {
        self.diagnostics.n_voxels
    }

    /// The normalised signals (voxels × output length) of the fitted parameters.
    pub fn predict(
        &self,
        model: &MultiCompartmentModel,
        scheme: &AcquisitionScheme,
    ) -> Result<Vec<f64>, Error> {
        let width = model.output_len(scheme);
        let n_free = model.free_len();
        let mut out = vec![f64::NAN; self.n_voxels() * width];
        let mut scratch = model.scratch::<f64>(scheme);
        for (v, o) in out.chunks_mut(width.max(1)).enumerate() {
            let x = &self.parameters[v * n_free..(v + 1) * n_free];
            if x.iter().all(|p| p.is_finite()) {
                model.signal_free(scheme, x, v, o, &mut scratch)?;
            }
        }
        Ok(out)
    }
}

/// The multi-compartment model in its optimisation vector, as the fitting engine wants it.
struct Adapter<'a> {
    model: &'a MultiCompartmentModel,
    bounds: Vec<(f64, f64)>,
    scales: Vec<f64>,
    kinds: Vec<ParameterKind>,
}

impl<'a> Adapter<'a> {
    fn new(model: &'a MultiCompartmentModel) -> Self {
        let mut kinds = Vec::new();
        for (name, card) in model.free_parameter_names() {
            let pv = model.has_nested_fractions() && name.starts_with("partial_volume_");
            let orientation =
                model.parameter(name).map(|p| p.kind()) == Some(ParameterKind::Orientation);
            if !pv {
                let kind = if orientation {
                    ParameterKind::Orientation
                } else {
                    ParameterKind::Other
                };
                kinds.extend(std::iter::repeat_n(kind, card));
            }
        }
        kinds.resize(model.opt_len(), ParameterKind::Other);
        Self {
            model,
            bounds: model.opt_bounds(),
            scales: model.opt_scales(),
            kinds,
        }
    }
}

impl FitModel for Adapter<'_> {
    fn n_free(&self) -> usize {
        self.model.opt_len()
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
    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        x: &[D],
        out: &mut [D],
        _scratch: &mut [D],
    ) -> Result<(), Error> {
        let mut scratch = ModelScratch::new();
        self.model.signal_opt(scheme, x, 0, out, &mut scratch)
    }
}

/// Fits `model` to `data` (voxels × measurements, raw, b0 included), as the core's `fit_model`.
pub fn fit_model(
    model: &MultiCompartmentModel,
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &FitOptions,
    control: &FitControl,
) -> Result<ModelFit, Error> {
    let unsupported = |reason: &str| Error::InvalidArgument {
        what: model.description(),
        reason: format!("{reason} cannot be fitted by this version of dmipy-rs yet"),
    };
    if model.voxel_count().is_some() {
        return Err(unsupported(
            "a model with per-voxel fixed values or guesses",
        ));
    }
    if model.is_spherical_mean() {
        return Err(unsupported("a spherical-mean model"));
    }
    let adapter = Adapter::new(model);
    let result = fit_voxels_with(&adapter, scheme, data, options, control)?;
    let (n_opt, n_free) = (model.opt_len(), model.free_len());
    let mut parameters = vec![f64::NAN; result.n_voxels * n_free];
    for (x, free) in result
        .parameters
        .chunks(n_opt.max(1))
        .zip(parameters.chunks_mut(n_free.max(1)))
    {
        if x.iter().all(|p| p.is_finite()) {
            model.free_from_opt(x, free)?;
        }
    }
    let names = model.free_parameter_names();
    Ok(ModelFit {
        names: names.into_iter().map(|(n, c)| (n.into(), c)).collect(),
        parameters,
        std: None,
        diagnostics: result,
    })
}

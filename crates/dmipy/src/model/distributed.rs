//! `DistributedModel`: several kernels sharing one distribution (Watson, Bingham, Gamma, or a plain bundle), with nested inner fractions and inner links, as Dmipy 1.x's distributed models.

use super::distribution::Distribution;
use super::tortuosity::tortuous_lambda_perp;
use crate::compartments::{AnyCompartment, Compartment, ParameterSpec, SphericalMean};
use crate::distributions::{
    BinghamCoefficients, DD1Gamma, DD1GammaDistributed, SD1Watson, SD2Bingham,
    SD3SphericalHarmonics, VolumeWeighting, WatsonCoefficients, disperse_add,
};
use crate::{AcquisitionScheme, Error, ParameterKind, Scalar, SizeDistributable, real_sh_count};
use serde_json::json;

/// Bounds of the inner `partial_volume_i` of a distributed model, as Dmipy sets them.
const INNER_PARTIAL_VOLUME: ParameterSpec = ParameterSpec {
    name: "partial_volume",
    unit: "",
    bounds: &[(0.01, 0.99)],
    scale: 1.0,
    kind: ParameterKind::Fraction,
};

/// Most scalars one kernel of a distributed model may have; sizes the stack buffer of a kernel
/// slice.
const MAX_KERNEL: usize = 16;

/// Largest inner full vector (kernels, distribution, inner fractions; an order-14 SH density alone
/// has 120 coefficients), held on the stack so that evaluating a voxel allocates nothing.
const MAX_FULL: usize = 192;

/// One parameter of a distributed model (its own Dmipy name, e.g. `C1Stick_1_lambda_par`).
#[derive(Debug, Clone, PartialEq)]
struct InnerParameter {
    name: String,
    spec: ParameterSpec,
    offset: usize,
    linked: bool,
}

/// A link inside a distributed model (indices into its parameters), evaluated as Dmipy does.
#[derive(Debug, Clone, PartialEq)]
enum InnerLink {
    Fixed {
        out: usize,
        value: Vec<f64>,
    },
    Equal {
        out: usize,
        input: usize,
    },
    Tortuous {
        out: usize,
        lambda_par: usize,
        vf_intra: usize,
    },
}

/// Several kernels sharing one distribution: Dmipy 1.x's `SD1WatsonDistributed(models)`,
/// `SD2BinghamDistributed(models)`, `SD3SphericalHarmonicsDistributed(models, sh_order)`,
/// `DD1GammaDistributed(models)` and `BundleModel(models)`.
///
/// The signal is $E = \sum_i w_i E_i$ over the kernels, with each $E_i$ dispersed (Watson,
/// Bingham: see [`disperse_add`], exact to ~1e-13; spherical harmonics: see
/// [`SD3SphericalHarmonics::disperse_add`]) or size-integrated (Gamma: see
/// [`DD1GammaDistributed`]) by the one shared distribution, and nested inner fractions
/// $w_0 = p_0$, $w_i = p_i \prod_{j<i}(1 - p_j)$, $w_{N-1} = \prod_{j<N-1}(1-p_j)$ from the
/// `partial_volume_0 … partial_volume_{N-2}` parameters (Dmipy's `distribute_models.py`).
///
/// Parameters, in Dmipy's order and names: every kernel's parameters prefixed `<Class>_<k>_`
/// without the distributed one (`mu` for Watson, Bingham and spherical harmonics, `diameter` for Gamma), then the
/// distribution's (`SD1Watson_1_mu`, `SD1Watson_1_odi`; `SD2Bingham_1_mu`, `…_psi`, `…_odi`,
/// `…_beta_fraction`; `SD3SphericalHarmonics_1_sh_coeff`; `DD1Gamma_1_alpha`, `DD1Gamma_1_beta`), then the partial volumes (N > 1),
/// minus those removed by [`set_fixed_parameter`](Self::set_fixed_parameter),
/// [`set_equal_parameter`](Self::set_equal_parameter) and
/// [`set_tortuous_parameter`](Self::set_tortuous_parameter). Set links before putting the model
/// into a [`MultiCompartmentModel`](super::MultiCompartmentModel), as a Dmipy script does.
#[derive(Debug, Clone)]
pub struct DistributedModel {
    distribution: Distribution,
    kernels: Vec<AnyCompartment>,
    params: Vec<InnerParameter>,
    /// Per kernel, the position in the inner full vector of every scalar of its slice (`None`
    /// for the distributed parameter).
    kernel_offsets: Vec<Vec<Option<usize>>>,
    /// Offset of the distribution's parameters in the inner full vector.
    distribution_offset: usize,
    /// Offsets of the inner partial volumes.
    partial_volumes: Vec<usize>,
    full_len: usize,
    links: Vec<InnerLink>,
    calls: Vec<(&'static str, serde_json::Value)>,
}

/// Runs `$body` with `$k` bound to the concrete axially symmetric kernel, `$else` otherwise.
macro_rules! axial_dispatch {
    ($kernel:expr, $k:ident => $body:expr, $else:expr) => {
        match $kernel {
            AnyCompartment::C1Stick($k) => $body,
            AnyCompartment::G2Zeppelin($k) => $body,
            AnyCompartment::G3TemporalZeppelin($k) => $body,
            AnyCompartment::C2CylinderStejskalTannerApproximation($k) => $body,
            AnyCompartment::C3CylinderCallaghanApproximation($k) => $body,
            AnyCompartment::C4CylinderGaussianPhaseApproximation($k) => $body,
            AnyCompartment::CC2CappedCylinderStejskalTannerApproximation($k) => $body,
            AnyCompartment::CC3CappedCylinderCallaghanApproximation($k) => $body,
            AnyCompartment::P2PlaneStejskalTannerApproximation($k) => $body,
            AnyCompartment::P3PlaneCallaghanApproximation($k) => $body,
            _ => $else,
        }
    };
}

pub(crate) use axial_dispatch;

/// Runs `$body` with `$k` bound to the concrete kernel that has a `diameter`, `$else` otherwise.
macro_rules! size_dispatch {
    ($kernel:expr, $k:ident => $body:expr, $else:expr) => {
        match $kernel {
            AnyCompartment::C2CylinderStejskalTannerApproximation($k) => $body,
            AnyCompartment::C3CylinderCallaghanApproximation($k) => $body,
            AnyCompartment::C4CylinderGaussianPhaseApproximation($k) => $body,
            AnyCompartment::S2SphereStejskalTannerApproximation($k) => $body,
            AnyCompartment::S3SphereCallaghanApproximation($k) => $body,
            AnyCompartment::S4SphereGaussianPhaseApproximation($k) => $body,
            AnyCompartment::P2PlaneStejskalTannerApproximation($k) => $body,
            AnyCompartment::P3PlaneCallaghanApproximation($k) => $body,
            _ => $else,
        }
    };
}

/// Counts class names as Dmipy's `_prepare_parameters` does: `<Class>_<k>_`.
fn prefix(counts: &mut Vec<(&'static str, usize)>, class: &'static str) -> String {
    let k = match counts.iter_mut().find(|(n, _)| *n == class) {
        Some((_, c)) => {
            *c += 1;
            *c
        }
        None => {
            counts.push((class, 1));
            1
        }
    };
    format!("{class}_{k}_")
}

/// Whether Watson and Bingham can disperse `kernel` (it is axially symmetric).
fn dispersible(kernel: &AnyCompartment) -> bool {
    axial_dispatch!(kernel, _k => true, isotropic(kernel))
}

/// The volume weighting of a kernel a Gamma distribution can integrate, if any.
fn size_weighting(kernel: &AnyCompartment) -> Option<VolumeWeighting> {
    size_dispatch!(kernel, k => Some(k.volume_weighting()), None)
}

impl DistributedModel {
    /// The kernels distributed by `distribution`. Errors for an empty list, kernels the
    /// distribution cannot act on (Watson/Bingham need axially symmetric or isotropic kernels, Gamma a
    /// `diameter` of one geometry for all), or too many parameters.
    pub fn new(distribution: Distribution, kernels: Vec<AnyCompartment>) -> Result<Self, Error> {
        let what = format!("kernels of {}", distribution.class_name());
        if kernels.is_empty() {
            return Err(Error::Empty { what });
        }
        let invalid = |reason: String| Error::InvalidArgument {
            what: what.clone(),
            reason,
        };
        let mut weighting = None;
        for k in &kernels {
            match distribution {
                Distribution::Watson
                | Distribution::Bingham
                | Distribution::SphericalHarmonics { .. }
                    if !dispersible(k) =>
                {
                    return Err(invalid(format!(
                        "{} is neither axially symmetric nor isotropic",
                        k.name()
                    )));
                }
                Distribution::Gamma => match (size_weighting(k), weighting) {
                    (None, _) => return Err(invalid(format!("{} has no diameter", k.name()))),
                    (Some(w), Some(v)) if w != v => {
                        return Err(invalid("kernels of different geometries".into()));
                    }
                    (w, _) => weighting = w,
                },
                _ => {}
            }
        }
        let orientational = matches!(
            distribution,
            Distribution::Watson | Distribution::Bingham | Distribution::SphericalHarmonics { .. }
        );
        if orientational && kernels.iter().all(isotropic) {
            return Err(invalid(
                "no kernel has an orientation to distribute (all are isotropic)".into(),
            ));
        }
        let mut model = Self {
            distribution,
            kernels,
            params: Vec::new(),
            kernel_offsets: Vec::new(),
            distribution_offset: 0,
            partial_volumes: Vec::new(),
            full_len: 0,
            links: Vec::new(),
            calls: Vec::new(),
        };
        model.build_table(weighting);
        if model
            .kernels
            .iter()
            .any(|k| k.parameter_count() > MAX_KERNEL)
        {
            return Err(invalid(format!(
                "a kernel of more than {MAX_KERNEL} parameters"
            )));
        }
        if model.full_len > MAX_FULL {
            return Err(invalid(format!(
                "more than {MAX_FULL} inner parameters ({})",
                model.full_len
            )));
        }
        Ok(model)
    }

    /// Dmipy's `_prepare_parameters`, `_delete_…_from_parameters` and `_prepare_partial_volumes`.
    fn build_table(&mut self, weighting: Option<VolumeWeighting>) {
        let mut counts = Vec::new();
        let mut offset = 0;
        let kernels = std::mem::take(&mut self.kernels);
        for kernel in &kernels {
            let pre = prefix(&mut counts, kernel.name());
            let mut offsets = Vec::new();
            for spec in kernel.parameters() {
                let dropped = match self.distribution {
                    Distribution::Watson
                    | Distribution::Bingham
                    | Distribution::SphericalHarmonics { .. } => {
                        spec.kind == ParameterKind::Orientation
                    }
                    Distribution::Gamma => spec.name == "diameter",
                    Distribution::Bundle => false,
                };
                if dropped {
                    offsets.extend(std::iter::repeat_n(None, spec.cardinality()));
                    continue;
                }
                offsets.extend((0..spec.cardinality()).map(|i| Some(offset + i)));
                self.push(format!("{pre}{}", spec.name), *spec, &mut offset);
            }
            self.kernel_offsets.push(offsets);
        }
        self.kernels = kernels;
        self.distribution_offset = offset;
        let (name, specs): (&str, &[ParameterSpec]) = match self.distribution {
            Distribution::Watson => ("SD1Watson", SD1Watson.parameters()),
            Distribution::Bingham => ("SD2Bingham", SD2Bingham.parameters()),
            Distribution::Gamma => (
                "DD1Gamma",
                DD1Gamma::new(weighting.unwrap_or(VolumeWeighting::Cylinder)).parameters(),
            ),
            Distribution::SphericalHarmonics { sh_order } => (
                SD3SphericalHarmonics::NAME,
                // Valid: `Distribution::spherical_harmonics` checked the order.
                match SD3SphericalHarmonics::new(sh_order) {
                    Ok(d) => d.parameters(),
                    Err(_) => &[],
                },
            ),
            Distribution::Bundle => ("", &[]),
        };
        for spec in specs {
            self.push(format!("{name}_1_{}", spec.name), *spec, &mut offset);
        }
        for i in 0..self.kernels.len().saturating_sub(1) {
            self.partial_volumes.push(offset);
            self.push(
                format!("partial_volume_{i}"),
                INNER_PARTIAL_VOLUME,
                &mut offset,
            );
        }
        self.full_len = offset;
    }

    fn push(&mut self, name: String, spec: ParameterSpec, offset: &mut usize) {
        self.params.push(InnerParameter {
            name,
            spec,
            offset: *offset,
            linked: false,
        });
        *offset += spec.cardinality();
    }

    /// The distribution.
    pub fn distribution(&self) -> Distribution {
        self.distribution
    }

    /// The kernels, in order.
    pub fn kernels(&self) -> &[AnyCompartment] {
        &self.kernels
    }

    /// Dmipy's `parameter_names` of the distributed model (links removed), in its order.
    pub fn parameter_names(&self) -> Vec<&str> {
        self.public().map(|p| p.name.as_str()).collect()
    }

    fn public(&self) -> impl Iterator<Item = &InnerParameter> {
        self.params.iter().filter(|p| !p.linked)
    }

    /// The public parameters with their names inside this model, in slice order.
    pub(crate) fn named_parameters(&self) -> Vec<(String, ParameterSpec)> {
        self.public().map(|p| (p.name.clone(), p.spec)).collect()
    }

    /// Number of scalars of the parameter slice (the public parameters).
    pub fn parameter_count(&self) -> usize {
        self.public().map(|p| p.spec.cardinality()).sum()
    }
}

/// The error for a kernel the distribution cannot act on (excluded by [`DistributedModel::new`]).
fn kernel_error(kernel: &AnyCompartment) -> Error {
    Error::InvalidArgument {
        what: "kernel of a distributed model".into(),
        reason: format!("the distribution cannot act on {}", kernel.name()),
    }
}

/// Adds `weight` × the Gamma-distributed signal of `kernel` (slice: its parameters without
/// `diameter`, then α, β) to `out`, using `buffer` (one per measurement) as scratch.
fn gamma_add<D: Scalar, C: SizeDistributable + Clone>(
    kernel: &C,
    scheme: &AcquisitionScheme,
    params: &[D],
    weight: D,
    out: &mut [D],
) -> Result<(), Error> {
    let model = DD1GammaDistributed::new(kernel.clone())?;
    let mut e = vec![D::zero(); out.len()];
    model.signal(scheme, params, &mut e)?;
    for (o, v) in out.iter_mut().zip(e) {
        *o += weight * v;
    }
    Ok(())
}

/// As [`gamma_add`], for the spherical means per shell.
fn gamma_mean_add<D: Scalar, C: SizeDistributable + SphericalMean + Clone>(
    kernel: &C,
    scheme: &AcquisitionScheme,
    params: &[D],
    weight: D,
    out_per_shell: &mut [D],
) -> Result<(), Error> {
    let model = DD1GammaDistributed::new(kernel.clone())?;
    let mut e = vec![D::zero(); out_per_shell.len()];
    model.spherical_mean(scheme, params, &mut e)?;
    for (o, v) in out_per_shell.iter_mut().zip(e) {
        *o += weight * v;
    }
    Ok(())
}

/// Kernels whose signal does not depend on any orientation (ball, dot, spheres): an orientation
/// distribution leaves them unchanged, so Dmipy lets them share a Watson or Bingham bundle.
fn isotropic(kernel: &AnyCompartment) -> bool {
    matches!(
        kernel,
        AnyCompartment::G1Ball(_)
            | AnyCompartment::S1Dot(_)
            | AnyCompartment::S2SphereStejskalTannerApproximation(_)
            | AnyCompartment::S3SphereCallaghanApproximation(_)
            | AnyCompartment::S4SphereGaussianPhaseApproximation(_)
    )
}

/// Adds `weight` × the signal of an isotropic kernel (undispersed: it has no axis) to `out`.
fn isotropic_add<D: Scalar>(
    kernel: &AnyCompartment,
    scheme: &AcquisitionScheme,
    params: &[D],
    weight: D,
    out: &mut [D],
) -> Result<(), Error> {
    let mut e = vec![D::zero(); out.len()];
    kernel.signal(scheme, params, &mut e)?;
    for (o, v) in out.iter_mut().zip(e) {
        *o += weight * v;
    }
    Ok(())
}

impl DistributedModel {
    /// The inner full vector from the public slice: values in place, links evaluated latest
    /// first (Dmipy's `add_linked_parameters_to_parameters`).
    fn expand<D: Scalar>(&self, params: &[D], full: &mut [D]) -> Result<(), Error> {
        if params.len() != self.parameter_count() {
            return Err(Error::ParameterCount {
                model: self.distribution.class_name().into(),
                expected: self.parameter_count(),
                found: params.len(),
            });
        }
        let mut k = 0;
        for p in self.public() {
            for j in 0..p.spec.cardinality() {
                full[p.offset + j] = params[k];
                k += 1;
            }
        }
        let at = |i: usize| self.params[i].offset;
        for link in self.links.iter().rev() {
            match link {
                InnerLink::Fixed { out, value } => {
                    for (j, &v) in value.iter().enumerate() {
                        full[at(*out) + j] = D::from(v);
                    }
                }
                InnerLink::Equal { out, input } => {
                    for j in 0..self.params[*out].spec.cardinality() {
                        full[at(*out) + j] = full[at(*input) + j];
                    }
                }
                InnerLink::Tortuous {
                    out,
                    lambda_par,
                    vf_intra,
                } => {
                    // Dmipy's T1_tortuosity with a nested fraction: λ⊥ = (1 − v) λ∥.
                    let v = full[at(*vf_intra)];
                    full[at(*out)] =
                        tortuous_lambda_perp(full[at(*lambda_par)], v, -v + 1.0, 1.0, 1.0);
                }
            }
        }
        Ok(())
    }

    /// The nested inner fraction of kernel `i` from the inner full vector.
    fn weight<D: Scalar>(&self, full: &[D], i: usize) -> D {
        let mut remaining = D::one();
        for &p in &self.partial_volumes[..i] {
            remaining *= -full[p] + 1.0;
        }
        match self.partial_volumes.get(i) {
            Some(&p) => remaining * full[p],
            None => remaining,
        }
    }

    /// Kernel `i`'s parameter slice from the inner full vector (the distributed parameter 0).
    fn kernel_slice<D: Scalar>(&self, full: &[D], i: usize, out: &mut [D; MAX_KERNEL]) -> usize {
        let offsets = &self.kernel_offsets[i];
        for (o, off) in out.iter_mut().zip(offsets) {
            *o = off.map_or(D::zero(), |k| full[k]);
        }
        offsets.len()
    }

    /// The signal of every measurement of `scheme` into `out`, from the public parameter slice.
    pub fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        if out.len() != scheme.len() {
            return Err(Error::LengthMismatch {
                what: format!("{} output buffer", self.distribution.class_name()),
                expected: scheme.len(),
                found: out.len(),
            });
        }
        let mut storage = [D::zero(); MAX_FULL];
        let full = &mut storage[..self.full_len];
        self.expand(params, full)?;
        let d = &full[self.distribution_offset..];
        out.fill(D::zero());
        match self.distribution {
            Distribution::Watson => {
                let w = WatsonCoefficients::new(d[0], d[1], d[2])?;
                self.disperse(&w, scheme, full, out)
            }
            Distribution::Bingham => {
                let b = BinghamCoefficients::new(&d[..5])?;
                self.disperse(&b, scheme, full, out)
            }
            Distribution::SphericalHarmonics { sh_order } => {
                let sd3 = SD3SphericalHarmonics::new(sh_order)?;
                let coefficients = &d[..real_sh_count(sh_order)];
                let mut kp = [D::zero(); MAX_KERNEL];
                for (i, kernel) in self.kernels.iter().enumerate() {
                    let n = self.kernel_slice(full, i, &mut kp);
                    let w = self.weight(full, i);
                    axial_dispatch!(kernel, k => sd3.disperse_add(k, &kp[..n], coefficients, scheme, w, out)?,
                    if isotropic(kernel) {
                        isotropic_add(kernel, scheme, &kp[..n], w, out)?
                    } else {
                        return Err(kernel_error(kernel));
                    });
                }
                Ok(())
            }
            Distribution::Gamma => self.integrate(scheme, full, out),
            Distribution::Bundle => self.bundle(scheme, full, out),
        }
    }

    fn disperse<D: Scalar, C: crate::DispersionCoefficients<D>>(
        &self,
        dist: &C,
        scheme: &AcquisitionScheme,
        full: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        let mut kp = [D::zero(); MAX_KERNEL];
        for (i, kernel) in self.kernels.iter().enumerate() {
            let n = self.kernel_slice(full, i, &mut kp);
            let w = self.weight(full, i);
            axial_dispatch!(kernel, k => disperse_add(dist, k, &kp[..n], scheme, w, out)?,
            if isotropic(kernel) {
                isotropic_add(kernel, scheme, &kp[..n], w, out)?
            } else {
                return Err(kernel_error(kernel));
            });
        }
        Ok(())
    }

    fn integrate<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        let mut kp = [D::zero(); MAX_KERNEL];
        let ab = &full[self.distribution_offset..self.distribution_offset + 2];
        for (i, kernel) in self.kernels.iter().enumerate() {
            let n = self.kernel_slice(full, i, &mut kp);
            // The kernel slice without its diameter, then α and β.
            let mut p = [D::zero(); MAX_KERNEL];
            let mut m = 0;
            for (v, off) in kp[..n].iter().zip(&self.kernel_offsets[i]) {
                if off.is_some() {
                    p[m] = *v;
                    m += 1;
                }
            }
            p[m] = ab[0];
            p[m + 1] = ab[1];
            let w = self.weight(full, i);
            size_dispatch!(kernel, k => gamma_add(k, scheme, &p[..m + 2], w, out)?,
                return Err(kernel_error(kernel)));
        }
        Ok(())
    }

    /// As [`integrate`](Self::integrate), for the spherical means per shell.
    fn integrate_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        let mut kp = [D::zero(); MAX_KERNEL];
        let ab = &full[self.distribution_offset..self.distribution_offset + 2];
        for (i, kernel) in self.kernels.iter().enumerate() {
            let n = self.kernel_slice(full, i, &mut kp);
            let mut p = [D::zero(); MAX_KERNEL];
            let mut m = 0;
            for (v, off) in kp[..n].iter().zip(&self.kernel_offsets[i]) {
                if off.is_some() {
                    p[m] = *v;
                    m += 1;
                }
            }
            p[m] = ab[0];
            p[m + 1] = ab[1];
            let w = self.weight(full, i);
            size_dispatch!(kernel, k => gamma_mean_add(k, scheme, &p[..m + 2], w, out_per_shell)?,
                return Err(kernel_error(kernel)));
        }
        Ok(())
    }

    fn bundle<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        let mut kp = [D::zero(); MAX_KERNEL];
        let mut e = vec![D::zero(); out.len()];
        for (i, kernel) in self.kernels.iter().enumerate() {
            let n = self.kernel_slice(full, i, &mut kp);
            kernel.signal(scheme, &kp[..n], &mut e)?;
            let w = self.weight(full, i);
            for (o, &v) in out.iter_mut().zip(&e) {
                *o += w * v;
            }
        }
        Ok(())
    }

    /// The spherical mean per shell: $\sum_i w_i \bar E_i$, the kernels' spherical means with
    /// the inner fractions. Averaging over all gradient directions removes any orientation
    /// distribution (Funk–Hecke: only the l = 0 term survives, and the distribution integrates
    /// to one), so Watson and Bingham parameters do not enter. Gamma-distributed kernels give
    /// the Gamma expectation of their spherical means.
    pub fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        let mut storage = [D::zero(); MAX_FULL];
        let full = &mut storage[..self.full_len];
        self.expand(params, full)?;
        if self.distribution == Distribution::Gamma {
            out_per_shell.fill(D::zero());
            return self.integrate_mean(scheme, full, out_per_shell);
        }
        let mut kp = [D::zero(); MAX_KERNEL];
        let mut e = vec![D::zero(); out_per_shell.len()];
        out_per_shell.fill(D::zero());
        for (i, kernel) in self.kernels.iter().enumerate() {
            let n = self.kernel_slice(full, i, &mut kp);
            kernel.spherical_mean(scheme, &kp[..n], &mut e)?;
            let w = self.weight(full, i);
            for (o, &v) in out_per_shell.iter_mut().zip(&e) {
                *o += w * v;
            }
        }
        Ok(())
    }
}

impl DistributedModel {
    /// Index of the public parameter `name`, or an error naming the valid ones.
    fn lookup(&self, name: &str) -> Result<usize, Error> {
        let valid = self.parameter_names().join(", ");
        match self.params.iter().position(|p| p.name == name) {
            Some(i) if !self.params[i].linked => Ok(i),
            Some(_) => Err(Error::ParameterAlreadyLinked {
                model: self.distribution.class_name().into(),
                name: name.into(),
                how: "fixed or linked by an earlier call".into(),
                valid,
            }),
            None => Err(Error::UnknownParameter {
                model: self.distribution.class_name().into(),
                name: name.into(),
                valid,
            }),
        }
    }

    fn add_link(&mut self, out: usize, link: InnerLink, call: (&'static str, serde_json::Value)) {
        self.params[out].linked = true;
        self.links.push(link);
        self.calls.push(call);
    }

    /// Dmipy's `DistributedModel.set_fixed_parameter(name, value)`: `name` takes `value` (SI,
    /// one number per component) and leaves the parameter list. Errors for unknown or linked
    /// names, a value of the wrong length, non-finite values.
    pub fn set_fixed_parameter(&mut self, name: &str, value: &[f64]) -> Result<(), Error> {
        let out = self.lookup(name)?;
        let card = self.params[out].spec.cardinality();
        if value.len() != card {
            return Err(Error::ParameterCardinality {
                name: name.into(),
                expected: card,
                found: value.len(),
            });
        }
        if let Some(i) = value.iter().position(|v| !v.is_finite()) {
            return Err(Error::NotFinite {
                what: format!("value of {name}"),
                index: i,
                value: value[i],
            });
        }
        let v = if card == 1 {
            json!(value[0])
        } else {
            json!(value)
        };
        let link = InnerLink::Fixed {
            out,
            value: value.to_vec(),
        };
        self.add_link(out, link, ("set_fixed_parameter", json!([name, v])));
        Ok(())
    }

    /// Dmipy's `DistributedModel.set_equal_parameter(name_in, name_out)`: `name_out` takes the
    /// value of `name_in` and leaves the parameter list.
    pub fn set_equal_parameter(&mut self, name_in: &str, name_out: &str) -> Result<(), Error> {
        let input = self.lookup(name_in)?;
        let out = self.lookup(name_out)?;
        self.check_link(&[input, out], self.params[input].spec.cardinality())?;
        let call = ("set_equal_parameter", json!([name_in, name_out]));
        self.add_link(out, InnerLink::Equal { out, input }, call);
        Ok(())
    }

    /// Dmipy's `DistributedModel.set_tortuous_parameter(lambda_perp, lambda_par,
    /// volume_fraction_intra)`: $\lambda_\perp = (1 - v)\,\lambda_\parallel$ with the nested
    /// intra fraction v (see [`tortuous_lambda_perp`]); `lambda_perp` leaves the parameter list.
    pub fn set_tortuous_parameter(
        &mut self,
        lambda_perp: &str,
        lambda_par: &str,
        vf_intra: &str,
    ) -> Result<(), Error> {
        let idx = [
            self.lookup(lambda_perp)?,
            self.lookup(lambda_par)?,
            self.lookup(vf_intra)?,
        ];
        self.check_link(&idx, 1)?;
        let call = (
            "set_tortuous_parameter",
            json!([lambda_perp, lambda_par, vf_intra]),
        );
        let link = InnerLink::Tortuous {
            out: idx[0],
            lambda_par: idx[1],
            vf_intra: idx[2],
        };
        self.add_link(idx[0], link, call);
        Ok(())
    }

    /// Every parameter of `idx` distinct and of cardinality `card`.
    fn check_link(&self, idx: &[usize], card: usize) -> Result<(), Error> {
        for (k, &i) in idx.iter().enumerate() {
            let p = &self.params[i];
            if p.spec.cardinality() != card {
                return Err(Error::ParameterCardinality {
                    name: p.name.clone(),
                    expected: card,
                    found: p.spec.cardinality(),
                });
            }
            if idx[k + 1..].contains(&i) {
                return Err(Error::InvalidArgument {
                    what: "parameter link".into(),
                    reason: format!("'{}' is named twice", p.name),
                });
            }
        }
        Ok(())
    }

    /// The model-file object: `{"distributed": …, "compartments": […], "set_…": […]}` with the
    /// calls in order (consecutive calls of one kind share a key).
    pub(crate) fn to_json(&self) -> String {
        let names: Vec<&str> = self.kernels.iter().map(|k| k.name()).collect();
        let mut parts = vec![
            format!("\"distributed\":{}", json!(self.distribution.file_name())),
            format!("\"compartments\":{}", json!(names)),
        ];
        if let Distribution::SphericalHarmonics { sh_order } = self.distribution {
            parts.insert(1, format!("\"sh_order\":{sh_order}"));
        }
        parts.extend(super::calls::grouped_calls(&self.calls));
        format!("{{{}}}", parts.join(","))
    }
}

#[cfg(test)]
mod sd3_tests {
    use super::*;
    use crate::compartments::reference_fixtures;
    use crate::compartments::{C1Stick, G2Zeppelin};
    use crate::distributions::SD3Dispersed;
    use crate::model::{ModelComponent, MultiCompartmentModel};
    use std::f64::consts::PI;

    const L: usize = 4;

    fn sd3_model() -> MultiCompartmentModel {
        let kernels = vec![
            AnyCompartment::by_name("C1Stick").unwrap(),
            AnyCompartment::by_name("G2Zeppelin").unwrap(),
        ];
        let d = DistributedModel::new(Distribution::spherical_harmonics(L).unwrap(), kernels);
        MultiCompartmentModel::new(vec![ModelComponent::Distributed(d.unwrap())]).unwrap()
    }

    /// Unit-integral density coefficients ($c_{00} = 1/(2\sqrt\pi)$) with pseudo-random higher
    /// orders, small enough to stay well inside the bounds.
    fn coefficients() -> Vec<f64> {
        (0..real_sh_count(L))
            .map(|i| match i {
                0 => 0.5 / PI.sqrt(),
                _ => 0.08 * ((i as f64 * 12.9898).sin() * 43758.5453).fract(),
            })
            .collect()
    }

    #[test]
    fn sd3_names_equal_dmipy() {
        // Printed by Dmipy 1.x (/work/venvs/dmipy1):
        // MultiCompartmentModel([SD3SphericalHarmonicsDistributed([C1Stick(), G2Zeppelin()],
        //     sh_order=4)]).parameter_names, and .parameter_cardinality (sh_coeff: 15).
        let dmipy = [
            "SD3SphericalHarmonicsDistributed_1_C1Stick_1_lambda_par",
            "SD3SphericalHarmonicsDistributed_1_G2Zeppelin_1_lambda_par",
            "SD3SphericalHarmonicsDistributed_1_G2Zeppelin_1_lambda_perp",
            "SD3SphericalHarmonicsDistributed_1_SD3SphericalHarmonics_1_sh_coeff",
            "SD3SphericalHarmonicsDistributed_1_partial_volume_0",
        ];
        let m = sd3_model();
        assert_eq!(m.parameter_names(), dmipy);
        let card: Vec<usize> = m.parameter_cardinality().iter().map(|c| c.1).collect();
        assert_eq!(card, [1, 1, 1, 15, 1]);
        assert!(Distribution::by_name("SD3SphericalHarmonics").is_err());
        assert!(Distribution::spherical_harmonics(3).is_err());
        assert!(Distribution::by_name_and_order("SD1Watson", Some(4)).is_err());
    }

    #[test]
    fn sd3_distributed_signal_is_the_weighted_sum_of_sd3_dispersed() {
        let scheme = reference_fixtures::scheme("hcp");
        let m = sd3_model();
        let c = coefficients();
        let (par_s, par_z, perp_z, p0) = (1.9e-9, 1.6e-9, 0.5e-9, 0.37);
        let mut full = vec![par_s, par_z, perp_z];
        full.extend_from_slice(&c);
        full.push(p0);
        let mut got = vec![0.0; scheme.len()];
        m.signal(&scheme, &full, &mut got).unwrap();

        let mut stick_params = vec![par_s];
        stick_params.extend_from_slice(&c);
        let mut zep_params = vec![par_z, perp_z];
        zep_params.extend_from_slice(&c);
        let (mut es, mut ez) = (vec![0.0; scheme.len()], vec![0.0; scheme.len()]);
        SD3Dispersed::new(C1Stick, L)
            .unwrap()
            .signal(&scheme, &stick_params, &mut es)
            .unwrap();
        SD3Dispersed::new(G2Zeppelin, L)
            .unwrap()
            .signal(&scheme, &zep_params, &mut ez)
            .unwrap();
        for i in 0..scheme.len() {
            let want = p0 * es[i] + (1.0 - p0) * ez[i];
            assert!(
                (got[i] - want).abs() <= 1e-13 * want.abs().max(1.0),
                "{i}: {} vs {want}",
                got[i]
            );
        }
        // Not a constant: the density is anisotropic.
        assert!(got.iter().any(|&v| (v - got[0]).abs() > 1e-3));
    }

    #[test]
    fn sd3_model_file_round_trip() {
        let text = r#"{"compartments": ["G1Ball", {"distributed": "SD3SphericalHarmonics",
            "sh_order": 6, "compartments": ["C1Stick", "G2Zeppelin"],
            "set_equal_parameter": [["G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par"]]}]}"#;
        let m = MultiCompartmentModel::from_json(text).unwrap();
        let again = MultiCompartmentModel::from_json(&m.to_json()).unwrap();
        assert_eq!(again.parameter_names(), m.parameter_names());
        assert_eq!(again.parameter_cardinality(), m.parameter_cardinality());
        assert!(m.to_json().contains("\"sh_order\":6"));
        let sh = "SD3SphericalHarmonicsDistributed_1_SD3SphericalHarmonics_1_sh_coeff";
        assert!(m.parameter_cardinality().contains(&(sh, 28)));

        let scheme = reference_fixtures::scheme("hcp");
        let mut full = vec![3e-9, 1.8e-9, 0.6e-9];
        full.extend((0..28).map(|i| if i == 0 { 0.5 / PI.sqrt() } else { 0.01 }));
        full.extend([0.6, 0.3, 0.7]);
        assert_eq!(
            full.len(),
            m.parameter_cardinality().iter().map(|c| c.1).sum::<usize>()
        );
        let (mut a, mut b) = (vec![0.0; scheme.len()], vec![0.0; scheme.len()]);
        m.signal(&scheme, &full, &mut a).unwrap();
        again.signal(&scheme, &full, &mut b).unwrap();
        assert_eq!(a, b);

        let missing = r#"{"compartments": [{"distributed": "SD3SphericalHarmonics", "compartments": ["C1Stick"]}]}"#;
        assert!(MultiCompartmentModel::from_json(missing).is_err());
        let odd = r#"{"compartments": [{"distributed": "SD3SphericalHarmonics", "sh_order": 5, "compartments": ["C1Stick"]}]}"#;
        assert!(MultiCompartmentModel::from_json(odd).is_err());
        let extra = r#"{"compartments": [{"distributed": "SD1Watson", "sh_order": 4, "compartments": ["C1Stick"]}]}"#;
        assert!(MultiCompartmentModel::from_json(extra).is_err());
    }

    /// The public slice of `d` from values by name (every name must be given).
    fn slice(d: &DistributedModel, values: &[(&str, &[f64])]) -> Vec<f64> {
        d.parameter_names()
            .iter()
            .flat_map(|n| {
                values
                    .iter()
                    .find(|(k, _)| k == n)
                    .unwrap_or_else(|| panic!("no value for {n}"))
                    .1
                    .to_vec()
            })
            .collect()
    }

    #[test]
    fn an_isotropic_kernel_in_a_watson_bundle_is_left_undispersed() {
        // Dmipy lets a ball share a Watson bundle; an orientation distribution cannot change a
        // signal that has no orientation, so the bundle is p·ball + (1 − p)·Watson(zeppelin).
        let scheme = reference_fixtures::scheme("hcp");
        let ball = AnyCompartment::by_name("G1Ball").unwrap();
        let zeppelin = AnyCompartment::by_name("G2Zeppelin").unwrap();
        let both =
            DistributedModel::new(Distribution::Watson, vec![ball.clone(), zeppelin.clone()])
                .unwrap();
        let alone = DistributedModel::new(Distribution::Watson, vec![zeppelin]).unwrap();
        let (mu, odi, p) = ([0.7, -0.3], [0.2], 0.35);
        let (iso, par, perp) = (3e-9, 1.7e-9, 0.4e-9);
        let values: [(&str, &[f64]); 6] = [
            ("SD1Watson_1_mu", &mu),
            ("SD1Watson_1_odi", &odi),
            ("G1Ball_1_lambda_iso", &[iso]),
            ("G2Zeppelin_1_lambda_par", &[par]),
            ("G2Zeppelin_1_lambda_perp", &[perp]),
            ("partial_volume_0", &[p]),
        ];
        let mut got = vec![0.0; scheme.len()];
        both.signal(&scheme, &slice(&both, &values), &mut got)
            .unwrap();
        let mut zep = vec![0.0; scheme.len()];
        alone
            .signal(&scheme, &slice(&alone, &values[..5]), &mut zep)
            .unwrap();
        for (i, (&g, &z)) in got.iter().zip(&zep).enumerate() {
            let want = p * (-scheme.bvalues()[i] * iso).exp() + (1.0 - p) * z;
            assert!((g - want).abs() <= 1e-14, "{i}: {g} vs {want}");
        }
        let only_ball = DistributedModel::new(Distribution::Watson, vec![ball]);
        assert!(matches!(only_ball, Err(Error::InvalidArgument { .. })));
    }

    #[test]
    fn gamma_distributed_spheres_have_their_signal_as_spherical_mean() {
        // A sphere's signal does not depend on the gradient direction, so the spherical mean of
        // Gamma-distributed spheres on each shell equals their signal on that shell; both are
        // Gamma expectations computed to 1e-10 relative.
        let scheme = reference_fixtures::scheme("hcp");
        let sphere = AnyCompartment::by_name("S4SphereGaussianPhaseApproximation").unwrap();
        let d = DistributedModel::new(Distribution::Gamma, vec![sphere]).unwrap();
        let params = slice(
            &d,
            &[("DD1Gamma_1_alpha", &[2.5]), ("DD1Gamma_1_beta", &[1.5e-6])],
        );
        let mut signal = vec![0.0; scheme.len()];
        d.signal(&scheme, &params, &mut signal).unwrap();
        let mut means = vec![0.0; scheme.shells().len()];
        d.spherical_mean(&scheme, &params, &mut means).unwrap();
        for (shell, &m) in scheme.shells().iter().zip(&means) {
            for &i in &shell.indices {
                assert!(
                    (signal[i] - m).abs() <= 1e-9 * m,
                    "{i}: {} vs {m}",
                    signal[i]
                );
            }
        }
        assert!(
            means.iter().any(|&m| m < 0.9),
            "restricted, not flat: {means:?}"
        );
    }
}

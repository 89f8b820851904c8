//! Prediction: the signal of a multi-compartment model from its full, free or optimisation vector, with a reusable scratch buffer.

use super::MultiCompartmentModel;
use crate::{AcquisitionScheme, Error, Scalar};

/// Working memory for evaluating a [`MultiCompartmentModel`], owned by the caller and reused
/// across calls (one per thread), so that evaluating a voxel allocates nothing. Buffers grow on
/// first use and are then reused.
#[derive(Debug, Clone, Default)]
pub struct ModelScratch<D> {
    component: Vec<D>,
    params: Vec<D>,
    full: Vec<D>,
}

impl<D: Scalar> ModelScratch<D> {
    /// Empty scratch; sized on first use.
    pub fn new() -> Self {
        Self {
            component: Vec::new(),
            params: Vec::new(),
            full: Vec::new(),
        }
    }

    /// The full vector of the last [`MultiCompartmentModel::signal_free`] call.
    pub fn full(&self) -> &[D] {
        &self.full
    }
}

fn sized<D: Scalar>(buffer: &mut Vec<D>, len: usize) -> &mut [D] {
    buffer.resize(len, D::zero());
    &mut buffer[..len]
}

impl MultiCompartmentModel {
    /// Number of output values: `scheme.len()`, or the number of shells for a spherical-mean model.
    pub fn output_len(&self, scheme: &AcquisitionScheme) -> usize {
        if self.spherical_mean {
            scheme.shells().len()
        } else {
            scheme.len()
        }
    }

    /// A scratch buffer sized for this model and `scheme`.
    pub fn scratch<D: Scalar>(&self, scheme: &AcquisitionScheme) -> ModelScratch<D> {
        let mut s = ModelScratch::new();
        sized(&mut s.component, self.output_len(scheme));
        sized(&mut s.params, self.max_component_params());
        sized(&mut s.full, self.full_len);
        s
    }

    fn max_component_params(&self) -> usize {
        self.components
            .iter()
            .map(|c| c.offsets.len())
            .max()
            .unwrap_or(0)
    }

    /// The signal $E = \sum_i f_i E_i$ of a full vector (links already resolved, SI units;
    /// $f_i$ = `partial_volume_i`, 1 for a single component) into `out`
    /// ([`output_len`](Self::output_len) values). Allocates one scratch buffer; in loops use
    /// [`signal_with`](Self::signal_with).
    pub fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.signal_with(scheme, full, out, &mut ModelScratch::new())
    }

    /// As [`signal`](Self::signal), with a caller-owned scratch buffer (no allocation once it
    /// is sized).
    pub fn signal_with<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        out: &mut [D],
        scratch: &mut ModelScratch<D>,
    ) -> Result<(), Error> {
        self.check_len("full vector", self.full_len, full.len())?;
        self.check_len("output buffer", self.output_len(scheme), out.len())?;
        out.fill(D::zero());
        for i in 0..self.components.len() {
            let weight = match self.partial_volumes.get(i) {
                Some(&p) => full[self.params[p].offset()],
                None => D::one(),
            };
            let e = self.component_signal(scheme, i, full, scratch)?;
            for (o, &v) in out.iter_mut().zip(e.iter()) {
                *o += weight * v;
            }
        }
        Ok(())
    }

    /// The signal of component `i` alone (its $E_i$, unweighted), left in the scratch buffer.
    pub(super) fn component_signal<'a, D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        i: usize,
        full: &[D],
        scratch: &'a mut ModelScratch<D>,
    ) -> Result<&'a [D], Error> {
        let layout = &self.components[i];
        let params = sized(&mut scratch.params, layout.offsets.len());
        for (p, o) in params.iter_mut().zip(&layout.offsets) {
            *p = o.map_or(D::zero(), |o| full[o]);
        }
        let e = sized(&mut scratch.component, self.output_len(scheme));
        if self.spherical_mean {
            layout.component.spherical_mean(scheme, params, e)?;
        } else {
            layout.component.signal(scheme, params, e)?;
        }
        Ok(e)
    }

    /// Every component's unweighted signal $E_i$ (Dmipy's "stochastic cost function" matrix):
    /// `out` holds N blocks of [`output_len`](Self::output_len) values, component-major. This is
    /// what a linear solve for the fractions needs.
    pub fn component_signals<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        out: &mut [D],
        scratch: &mut ModelScratch<D>,
    ) -> Result<(), Error> {
        let m = self.output_len(scheme);
        self.check_len("full vector", self.full_len, full.len())?;
        self.check_len(
            "component signal buffer",
            m * self.components.len(),
            out.len(),
        )?;
        for (i, block) in out.chunks_mut(m.max(1)).enumerate() {
            let e = self.component_signal(scheme, i, full, scratch)?;
            block.copy_from_slice(e);
        }
        Ok(())
    }

    /// The multi-tissue signal $S = \sum_i \tilde f_i S_{0,i} E_i$ (not normalised by S0),
    /// with un-normalised multi-tissue fractions $\tilde f_i$ (one per component) and the S0
    /// responses: the model Dmipy's `MultiTissueConvexOptimizer` fits to raw data (its
    /// normalised $\tilde f_i / \sum_j \tilde f_j$ are volume fractions). The full vector's
    /// partial volumes are ignored. Errors if no S0 responses are set.
    pub fn multi_tissue_signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        full: &[D],
        mt_fractions: &[D],
        out: &mut [D],
        scratch: &mut ModelScratch<D>,
    ) -> Result<(), Error> {
        let Some(s0) = self.s0_responses.as_deref() else {
            return Err(Error::InvalidArgument {
                what: "multi-tissue signal".into(),
                reason: format!("{} has no S0 tissue responses", self.description()),
            });
        };
        self.check_len("full vector", self.full_len, full.len())?;
        self.check_len("multi-tissue fractions", s0.len(), mt_fractions.len())?;
        self.check_len("output buffer", self.output_len(scheme), out.len())?;
        out.fill(D::zero());
        for (i, (&f, &r)) in mt_fractions.iter().zip(s0).enumerate() {
            let e = self.component_signal(scheme, i, full, scratch)?;
            for (o, &v) in out.iter_mut().zip(e.iter()) {
                *o += f * r * v;
            }
        }
        Ok(())
    }

    /// The signal of voxel `voxel` from a free vector: [`full_from_free`](Self::full_from_free)
    /// then [`signal_with`](Self::signal_with). With dual numbers in `free` this gives the
    /// Jacobian with respect to the free parameters.
    pub fn signal_free<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        free: &[D],
        voxel: usize,
        out: &mut [D],
        scratch: &mut ModelScratch<D>,
    ) -> Result<(), Error> {
        let mut full = std::mem::take(&mut scratch.full);
        full.resize(self.full_len, D::zero());
        let result = self
            .full_from_free(free, voxel, &mut full)
            .and_then(|()| self.signal_with(scheme, &full, out, scratch));
        scratch.full = full;
        result
    }
}

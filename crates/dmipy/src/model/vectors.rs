//! The free vector of a multi-compartment model and the maps between it, the public parameters and the full vector.

use super::MultiCompartmentModel;
use super::links::ParameterValue;
use super::parameters::ValueSource;
use crate::{Error, Scalar};

/// Largest number of components of a model (nested fractions are mapped on the stack by the
/// solver's adapter, `fit.rs`).
pub(crate) const MAX_COMPONENTS: usize = 16;

impl MultiCompartmentModel {
    /// Length of the free vector (scalars).
    pub fn free_len(&self) -> usize {
        self.free_offsets.len()
    }

    /// Names of the free parameters with their cardinality, in free-vector order.
    pub fn free_parameter_names(&self) -> Vec<(&str, usize)> {
        self.public
            .iter()
            .map(|&i| &self.params[i])
            .filter(|p| p.source == ValueSource::Free)
            .map(|p| (p.name(), p.cardinality()))
            .collect()
    }

    /// SI bounds of every free scalar.
    pub fn free_bounds(&self) -> Vec<(f64, f64)> {
        self.free_scalars(|p, k| p.bounds()[k])
    }

    /// Scale (Dmipy's `parameter_scales`, SI) of every free scalar.
    pub fn free_scales(&self) -> Vec<f64> {
        self.free_scalars(|p, k| p.scales()[k])
    }

    /// Kind of every free scalar (an orientation gives two entries).
    pub(crate) fn free_kinds(&self) -> Vec<crate::ParameterKind> {
        self.free_scalars(|p, _| p.kind())
    }

    /// A voxel's public parameters ([`parameter_names`](Self::parameter_names) layout) read out
    /// of its full vector into `row`.
    pub(crate) fn public_from_full(&self, full: &[f64], row: &mut [f64]) {
        let mut column = 0;
        for &i in &self.public {
            let p = &self.params[i];
            let card = p.cardinality();
            row[column..column + card].copy_from_slice(&full[p.offset()..p.offset() + card]);
            column += card;
        }
    }

    fn free_scalars<T>(&self, f: impl Fn(&super::ModelParameter, usize) -> T) -> Vec<T> {
        self.public
            .iter()
            .map(|&i| &self.params[i])
            .filter(|p| p.source == ValueSource::Free)
            .flat_map(|p| (0..p.cardinality()).map(move |k| (p, k)))
            .map(|(p, k)| f(p, k))
            .collect()
    }

    /// The full vector of voxel `voxel` from a free vector: free values copied, per-voxel fixed
    /// values read at `voxel`, then every link evaluated. Generic, so a dual-number free vector
    /// yields the full vector's derivatives. Errors for wrong lengths or a voxel index outside
    /// the per-voxel arrays (any index is fine when there are none).
    pub fn full_from_free<D: Scalar>(
        &self,
        free: &[D],
        voxel: usize,
        full: &mut [D],
    ) -> Result<(), Error> {
        self.check_len("free vector", self.free_len(), free.len())?;
        self.check_len("full vector", self.full_len, full.len())?;
        for (&o, &v) in self.free_offsets.iter().zip(free) {
            full[o] = v;
        }
        for p in &self.params {
            if let ValueSource::PerVoxel(values) = &p.source {
                let card = p.cardinality();
                let n = values.len() / card;
                if voxel >= n {
                    return Err(Error::InvalidArgument {
                        what: "voxel index".into(),
                        reason: format!("{voxel} is outside the {n} voxels of {}", p.name()),
                    });
                }
                for k in 0..card {
                    full[p.offset() + k] = D::from(values[voxel * card + k]);
                }
            }
        }
        self.apply_links(full);
        Ok(())
    }

    /// The free vector read out of a full vector (the inverse of
    /// [`full_from_free`](Self::full_from_free) on full vectors that satisfy the links).
    pub fn free_from_full<D: Scalar>(&self, full: &[D], free: &mut [D]) -> Result<(), Error> {
        self.check_len("full vector", self.full_len, full.len())?;
        self.check_len("free vector", self.free_len(), free.len())?;
        for (f, &o) in free.iter_mut().zip(&self.free_offsets) {
            *f = full[o];
        }
        Ok(())
    }

    /// The full vector from values of the public parameters ([`parameter_names`](Self::parameter_names)
    /// order, per-voxel fixed parameters included), as Dmipy's `simulate_signal` takes them.
    pub fn full_from_parameters<D: Scalar>(
        &self,
        parameters: &[D],
        full: &mut [D],
    ) -> Result<(), Error> {
        let n: usize = self.parameter_cardinality().iter().map(|c| c.1).sum();
        self.check_len("parameter vector", n, parameters.len())?;
        self.check_len("full vector", self.full_len, full.len())?;
        let mut values = parameters.iter();
        for &i in &self.public {
            let p = &self.params[i];
            for (k, &v) in (0..p.cardinality()).zip(values.by_ref()) {
                full[p.offset() + k] = v;
            }
        }
        self.apply_links(full);
        Ok(())
    }

    /// Initial guesses of voxel `voxel` for every free scalar, `None` where none was set
    /// ([`set_initial_guess_parameter`](Self::set_initial_guess_parameter)). Errors for a voxel
    /// outside a per-voxel guess array.
    pub fn initial_guess_free(&self, voxel: usize) -> Result<Vec<Option<f64>>, Error> {
        let mut out = Vec::with_capacity(self.free_len());
        for &i in &self.public {
            let p = &self.params[i];
            if p.source != ValueSource::Free {
                continue;
            }
            let card = p.cardinality();
            match &self.initial[i] {
                None => out.extend(std::iter::repeat_n(None, card)),
                Some(ParameterValue::Constant(v)) => out.extend(v.iter().map(|&x| Some(x))),
                Some(ParameterValue::PerVoxel(v)) => {
                    let chunk = v.chunks(card).nth(voxel).ok_or(Error::InvalidArgument {
                        what: "voxel index".into(),
                        reason: format!("{voxel} is outside the initial guesses of {}", p.name()),
                    })?;
                    out.extend(chunk.iter().map(|&x| Some(x)));
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn check_len(&self, what: &str, expected: usize, found: usize) -> Result<(), Error> {
        if expected != found {
            return Err(Error::LengthMismatch {
                what: format!("{} {what}", self.description()),
                expected,
                found,
            });
        }
        Ok(())
    }
}

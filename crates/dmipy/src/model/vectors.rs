//! The free and optimisation vectors of a multi-compartment model and the maps between them and the full vector.

use super::MultiCompartmentModel;
use super::fractions::{nested_from_fractions, nested_to_fractions};
use super::links::ParameterValue;
use super::parameters::Role;
use crate::{Error, Scalar};

/// Largest number of components of a model (nested fractions are mapped on the stack).
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
            .filter(|p| p.role == Role::Free)
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

    fn free_scalars<T>(&self, f: impl Fn(&super::ModelParameter, usize) -> T) -> Vec<T> {
        self.public
            .iter()
            .map(|&i| &self.params[i])
            .filter(|p| p.role == Role::Free)
            .flat_map(|p| (0..p.cardinality()).map(move |k| (p, k)))
            .map(|(p, k)| f(p, k))
            .collect()
    }

    /// Whether the optimisation vector replaces the partial volumes by nested fractions (N > 1
    /// and every `partial_volume_i` free).
    pub fn has_nested_fractions(&self) -> bool {
        self.nested.is_some()
    }

    /// Length of the optimisation vector: [`free_len`](Self::free_len), minus one when the
    /// partial volumes are nested.
    pub fn opt_len(&self) -> usize {
        self.free_len() - usize::from(self.nested.is_some())
    }

    /// Names of the optimisation scalars: the free scalars other than the partial volumes, as
    /// `name` or `name[k]` for multi-component parameters, then `nested_fraction_0 …
    /// nested_fraction_{N-2}`.
    pub fn opt_parameter_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.opt_len());
        let mut position = 0;
        for (name, card) in self.free_parameter_names() {
            for k in 0..card {
                if !self.is_nested_position(position) {
                    names.push(if card == 1 {
                        name.to_string()
                    } else {
                        format!("{name}[{k}]")
                    });
                }
                position += 1;
            }
        }
        if let Some(pv) = &self.nested {
            names.extend((0..pv.len() - 1).map(|i| format!("nested_fraction_{i}")));
        }
        names
    }

    /// Bounds of the optimisation scalars: the free bounds, and [0, 1] for nested fractions.
    pub fn opt_bounds(&self) -> Vec<(f64, f64)> {
        self.opt_from_free_table(self.free_bounds(), (0.0, 1.0))
    }

    /// Scales of the optimisation scalars: the free scales, and 1 for nested fractions.
    pub fn opt_scales(&self) -> Vec<f64> {
        self.opt_from_free_table(self.free_scales(), 1.0)
    }

    fn opt_from_free_table<T: Copy>(&self, free: Vec<T>, nested: T) -> Vec<T> {
        let Some(pv) = &self.nested else { return free };
        let mut out: Vec<T> = free
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !pv.contains(i))
            .map(|(_, v)| v)
            .collect();
        out.extend(std::iter::repeat_n(nested, pv.len() - 1));
        out
    }

    fn is_nested_position(&self, free_index: usize) -> bool {
        self.nested
            .as_ref()
            .is_some_and(|pv| pv.contains(&free_index))
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
            if let Role::PerVoxel(values) = &p.role {
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

    /// The free vector from an optimisation vector: nested fractions become the partial
    /// volumes by [`nested_to_fractions`]; everything else is copied.
    pub fn free_from_opt<D: Scalar>(&self, opt: &[D], free: &mut [D]) -> Result<(), Error> {
        self.check_len("optimisation vector", self.opt_len(), opt.len())?;
        self.check_len("free vector", self.free_len(), free.len())?;
        let Some(pv) = &self.nested else {
            free.copy_from_slice(opt);
            return Ok(());
        };
        let n_other = opt.len() + 1 - pv.len();
        let mut others = opt[..n_other].iter();
        for (i, f) in free.iter_mut().enumerate() {
            if !pv.contains(&i) {
                *f = *others.next().unwrap_or(f);
            }
        }
        let mut fractions = [D::zero(); MAX_COMPONENTS];
        nested_to_fractions(&opt[n_other..], &mut fractions[..pv.len()]);
        for (&i, &f) in pv.iter().zip(&fractions) {
            free[i] = f;
        }
        Ok(())
    }

    /// The optimisation vector from a free vector: the partial volumes (normalised to sum to
    /// one) become nested fractions by [`nested_from_fractions`].
    pub fn opt_from_free<D: Scalar>(&self, free: &[D], opt: &mut [D]) -> Result<(), Error> {
        self.check_len("free vector", self.free_len(), free.len())?;
        self.check_len("optimisation vector", self.opt_len(), opt.len())?;
        let Some(pv) = &self.nested else {
            opt.copy_from_slice(free);
            return Ok(());
        };
        let n_other = opt.len() + 1 - pv.len();
        let others = free.iter().enumerate().filter(|(i, _)| !pv.contains(i));
        for (o, (_, &v)) in opt[..n_other].iter_mut().zip(others) {
            *o = v;
        }
        let mut fractions = [D::zero(); MAX_COMPONENTS];
        for (f, &i) in fractions.iter_mut().zip(pv) {
            *f = free[i];
        }
        nested_from_fractions(&fractions[..pv.len()], &mut opt[n_other..]);
        Ok(())
    }

    /// Initial guesses of voxel `voxel` for every free scalar, `None` where none was set
    /// ([`set_initial_guess_parameter`](Self::set_initial_guess_parameter)). Errors for a voxel
    /// outside a per-voxel guess array.
    pub fn initial_guess_free(&self, voxel: usize) -> Result<Vec<Option<f64>>, Error> {
        let mut out = Vec::with_capacity(self.free_len());
        for &i in &self.public {
            let p = &self.params[i];
            if p.role != Role::Free {
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

//! `WatsonDispersed<K>`: an axially symmetric kernel dispersed by a Watson distribution, as one compartment.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use super::bingham::{BETA_FRACTION, BinghamCoefficients, PSI};
use super::dispersion::disperse_add;
use super::watson::{ODI, WatsonCoefficients};
use crate::{
    AcquisitionScheme, AxiallySymmetric, Compartment, Error, ParameterSpec, Scalar, SphericalMean,
};

/// The kernel's parameter table followed by `extra`, built once per (kernel, distribution) pair and
/// kept for the life of the process (a few hundred bytes per pair), because [`Compartment`] hands
/// out `&'static` tables.
pub(crate) fn extended_parameters(
    kernel: &'static [ParameterSpec],
    distribution: &'static str,
    extra: &'static [ParameterSpec],
) -> &'static [ParameterSpec] {
    type Tables = HashMap<(usize, &'static str), &'static [ParameterSpec]>;
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    let tables = TABLES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut tables = tables
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tables
        .entry((kernel.as_ptr() as usize, distribution))
        .or_insert_with(|| {
            let table: Vec<ParameterSpec> = kernel.iter().chain(extra).copied().collect();
            Box::leak(table.into_boxed_slice())
        })
}

/// An axially symmetric kernel (stick, zeppelin, cylinder) dispersed by a Watson distribution of
/// its axis: Dmipy 1.x's `SD1WatsonDistributed([kernel])`,
/// $E(\mathbf g) = \oint W(\mathbf n;\boldsymbol\mu,\kappa)\,K(\mathbf g\cdot\mathbf n)\,d\mathbf n$
/// (Zhang et al. 2012, doi:10.1016/j.neuroimage.2012.03.072, eq. 3 for the stick; equation number
/// not checked here), evaluated exactly by Legendre expansion (see
/// [`WatsonCoefficients`] and [`disperse_add`]).
///
/// Parameters, in order: the kernel's own (its `mu = [θ, φ]` (rad) becoming the Watson mean axis),
/// then `odi` (dimensionless, 0.02–0.99). The kernel is evaluated per shell at the shell's mean
/// b-value, δ, Δ, TE, as Dmipy does.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WatsonDispersed<K> {
    /// The dispersed kernel.
    pub kernel: K,
}

impl<K: AxiallySymmetric> WatsonDispersed<K> {
    /// The Watson dispersion of `kernel`.
    pub fn new(kernel: K) -> Self {
        Self { kernel }
    }
}

impl<K: AxiallySymmetric> Compartment for WatsonDispersed<K> {
    fn name(&self) -> &'static str {
        "SD1WatsonDistributed"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        extended_parameters(
            self.kernel.parameters(),
            "SD1Watson",
            std::slice::from_ref(&ODI),
        )
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let k = self.kernel.parameter_count();
        let watson = WatsonCoefficients::new(params[0], params[1], params[k])?;
        out.fill(D::zero());
        disperse_add(&watson, &self.kernel, &params[..k], scheme, D::one(), out)
    }
}

impl<K: AxiallySymmetric + SphericalMean> SphericalMean for WatsonDispersed<K> {
    /// The kernel's spherical mean: averaging over all gradient directions removes any
    /// orientation distribution (Funk–Hecke: only the l = 0 term survives, and $w_0 = 1$).
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        let k = self.kernel.parameter_count();
        self.kernel
            .spherical_mean(scheme, &params[..k], out_per_shell)
    }
}

/// The Bingham extension of a kernel's parameters: ψ, odi, beta_fraction.
const BINGHAM_EXTRA: &[ParameterSpec] = &[PSI, ODI, BETA_FRACTION];

/// An axially symmetric kernel dispersed by a Bingham distribution of its axis: Dmipy 1.x's
/// `SD2BinghamDistributed([kernel])`,
/// $E(\mathbf g) = \oint B(\mathbf n;\boldsymbol\mu,\psi,\kappa,\beta)\,K(\mathbf g\cdot\mathbf n)\,d\mathbf n$
/// (Tariq et al. 2016, doi:10.1016/j.neuroimage.2016.01.046), evaluated exactly by spherical
/// harmonics in the Bingham frame (see [`BinghamCoefficients`] and [`disperse_add`]).
///
/// Parameters, in order: the kernel's own (its `mu` becoming the Bingham mean axis), then `psi`
/// (rad, 0–π), `odi` (0.02–0.99), `beta_fraction` (0–1). Kernel per shell as [`WatsonDispersed`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BinghamDispersed<K> {
    /// The dispersed kernel.
    pub kernel: K,
}

impl<K: AxiallySymmetric> BinghamDispersed<K> {
    /// The Bingham dispersion of `kernel`.
    pub fn new(kernel: K) -> Self {
        Self { kernel }
    }
}

impl<K: AxiallySymmetric> Compartment for BinghamDispersed<K> {
    fn name(&self) -> &'static str {
        "SD2BinghamDistributed"
    }

    fn parameters(&self) -> &'static [ParameterSpec] {
        extended_parameters(self.kernel.parameters(), "SD2Bingham", BINGHAM_EXTRA)
    }

    fn signal<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.check_call(scheme, params, out)?;
        let k = self.kernel.parameter_count();
        let p = &params[k..];
        let bingham = BinghamCoefficients::new(&[params[0], params[1], p[0], p[1], p[2]])?;
        out.fill(D::zero());
        disperse_add(&bingham, &self.kernel, &params[..k], scheme, D::one(), out)
    }
}

impl<K: AxiallySymmetric + SphericalMean> SphericalMean for BinghamDispersed<K> {
    /// The kernel's spherical mean (only the l = 0 term survives the average).
    fn spherical_mean<D: Scalar>(
        &self,
        scheme: &AcquisitionScheme,
        params: &[D],
        out_per_shell: &mut [D],
    ) -> Result<(), Error> {
        self.check_mean_call(scheme, params, out_per_shell)?;
        let k = self.kernel.parameter_count();
        self.kernel
            .spherical_mean(scheme, &params[..k], out_per_shell)
    }
}

//! The `AcquisitionScheme` type, its settings, its shells and its accessors.

use super::shell_mean::ShellMean;
use super::validate::check_len;
use crate::Error;

/// Settings of scheme construction. Defaults follow Dmipy 1.x.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeOptions {
    /// b-values at or below this are b0 measurements (s/m²; default 10e6).
    pub b0_threshold: f64,
    /// Sorted b-values at most this far apart join one shell, chained as in single-linkage
    /// clustering (s/m²; default 50e6).
    pub min_shell_distance: f64,
    /// Scale every non-zero direction to unit length (default false). When false, directions off
    /// unit length by more than 1e-3 are rejected and the others are kept exactly as given.
    pub renormalize_directions: bool,
    /// Accept input that looks like a unit mistake (default false): δ, Δ or TE longer than 1 s
    /// (milliseconds?) and SI b-values whose maximum is below 1e5 s/m² (s/mm²?). When false
    /// such input is rejected with the likely fix (the CLI's typical mistakes); Python sets it
    /// and warns instead, since long-time limits, stimulated-echo mixing times and tiny
    /// b-values are physically valid (Dmipy accepts them).
    pub lenient_units: bool,
}

impl Default for SchemeOptions {
    fn default() -> Self {
        Self {
            b0_threshold: 10e6,
            min_shell_distance: 50e6,
            renormalize_directions: false,
            lenient_units: false,
        }
    }
}

/// One shell: measurements sharing a b-value (within the minimum shell distance) and the same δ, Δ, TE.
#[derive(Debug, Clone, PartialEq)]
pub struct Shell {
    /// Mean b-value of the shell (s/m²).
    pub bvalue: f64,
    /// Pulse duration δ of the shell (s), if known.
    pub delta: Option<f64>,
    /// Pulse separation Δ of the shell (s), if known.
    pub big_delta: Option<f64>,
    /// Echo time of the shell (s), if known.
    pub echo_time: Option<f64>,
    /// Whether this is a b0 shell.
    pub is_b0: bool,
    /// Indices of the measurements in this shell, ascending.
    pub indices: Vec<usize>,
}

/// What was measured, one entry per measurement, in SI units, with the quantities derived from it.
#[derive(Debug, Clone, PartialEq)]
pub struct AcquisitionScheme {
    pub(crate) bvalues: Vec<f64>,
    pub(crate) directions: Vec<[f64; 3]>,
    pub(crate) delta: Option<Vec<f64>>,
    pub(crate) big_delta: Option<Vec<f64>>,
    pub(crate) echo_time: Option<Vec<f64>>,
    pub(crate) qvalues: Option<Vec<f64>>,
    pub(crate) gradient_strengths: Option<Vec<f64>>,
    pub(crate) tau: Option<Vec<f64>>,
    pub(crate) b0_mask: Vec<bool>,
    pub(crate) shells: Vec<Shell>,
    pub(crate) shell_of: Vec<usize>,
    pub(crate) pulse_groups: Vec<Shell>,
    pub(crate) shell_means: Vec<ShellMean>,
    pub(crate) tau_order: Vec<usize>,
    pub(crate) options: SchemeOptions,
}

impl AcquisitionScheme {
    /// Number of measurements.
    pub fn len(&self) -> usize {
        self.bvalues.len()
    }

    /// Whether the scheme has no measurement (never true for a constructed scheme).
    pub fn is_empty(&self) -> bool {
        self.bvalues.is_empty()
    }

    /// b-values (s/m²).
    pub fn bvalues(&self) -> &[f64] {
        &self.bvalues
    }

    /// Unit gradient directions; the zero vector for b0 measurements given without one.
    pub fn directions(&self) -> &[[f64; 3]] {
        &self.directions
    }

    /// Pulse durations δ (s), if known.
    pub fn delta(&self) -> Option<&[f64]> {
        self.delta.as_deref()
    }

    /// Pulse separations Δ (s), if known.
    pub fn big_delta(&self) -> Option<&[f64]> {
        self.big_delta.as_deref()
    }

    /// Echo times (s), if known.
    pub fn echo_time(&self) -> Option<&[f64]> {
        self.echo_time.as_deref()
    }

    /// q-values q = √(b/τ)/(2π) = γδ|G|/(2π) (m⁻¹), known when δ and Δ are.
    pub fn qvalues(&self) -> Option<&[f64]> {
        self.qvalues.as_deref()
    }

    /// Gradient strengths |G| = √(b/τ)/(γδ) = 2πq/(γδ) (T/m), known when δ and Δ are.
    pub fn gradient_strengths(&self) -> Option<&[f64]> {
        self.gradient_strengths.as_deref()
    }

    /// Effective diffusion times τ = Δ − δ/3 (s), known when δ and Δ are.
    pub fn tau(&self) -> Option<&[f64]> {
        self.tau.as_deref()
    }

    /// Which measurements are b0 (b ≤ the b0 threshold).
    pub fn b0_mask(&self) -> &[bool] {
        &self.b0_mask
    }

    /// The shells, ordered by (δ, Δ, TE) and then by ascending b-value.
    pub fn shells(&self) -> &[Shell] {
        &self.shells
    }

    /// Mean b-value (s/m²) of every shell, in the order of [`shells`](Self::shells).
    pub fn shell_bvalues(&self) -> Vec<f64> {
        self.shells.iter().map(|s| s.bvalue).collect()
    }

    /// Index into [`shells`](Self::shells) of every measurement.
    pub fn shell_of(&self) -> &[usize] {
        &self.shell_of
    }

    /// Measurements grouped by exactly equal (bit for bit) b, δ, Δ and TE, ordered as the shells.
    /// A kernel that must hold at each measurement's own b-value (orientation dispersion) is
    /// evaluated once per group: on a scanner scheme whose b-values jitter within a shell (b from
    /// 987 to 1003 s/mm² on DIPY's small_64D) a shell's mean b would be off by up to 3e-3.
    pub fn pulse_groups(&self) -> &[Shell] {
        &self.pulse_groups
    }

    /// The measurement indices with equal τ = Δ − δ/3 next to each other (a stable sort by τ;
    /// empty without timing): the order in which the restricted models fill their damping
    /// tables once per distinct τ, sorted once here rather than at every evaluation.
    pub fn tau_order(&self) -> &[usize] {
        &self.tau_order
    }

    /// SH order used to estimate each shell's spherical mean from data (0: plain average), in
    /// the order of [`shells`](Self::shells); see [`spherical_means`](Self::spherical_means).
    pub fn shell_mean_orders(&self) -> Vec<usize> {
        self.shell_means.iter().map(|m| m.sh_order).collect()
    }

    /// The spherical mean of a measured `signal` (one value per measurement) on every shell,
    /// written to `out` (one per shell): the l = 0 coefficient of a least-squares real-SH fit of
    /// each shell's measurements, of the highest order (≤ 14) the shell's directions determine
    /// (Fick et al. 2019, doi:10.3389/fninf.2019.00064, Sec. 2.4, with Dmipy's b-value-based
    /// order replaced by this more accurate choice). Exact for signals band-limited to that order,
    /// whatever the directions; b0 shells are plain averages. The fit's weights are computed
    /// once, when the scheme is built.
    ///
    /// Errors when `signal` is not one per measurement or `out` not one per shell.
    pub fn spherical_means(&self, signal: &[f64], out: &mut [f64]) -> Result<(), Error> {
        check_len("signal (one per measurement)", self.len(), signal.len())?;
        check_len(
            "spherical means (one per shell)",
            self.shells.len(),
            out.len(),
        )?;
        for ((shell, mean), o) in self.shells.iter().zip(&self.shell_means).zip(out) {
            *o = shell
                .indices
                .iter()
                .zip(&mean.weights)
                .map(|(&i, w)| w * signal[i])
                .sum();
        }
        Ok(())
    }

    /// The options the scheme was built with.
    pub fn options(&self) -> &SchemeOptions {
        &self.options
    }

    /// δ, or an error naming the model that needs it.
    pub fn require_delta(&self, model: &str) -> Result<&[f64], Error> {
        self.delta()
            .ok_or_else(|| missing(model, "delta (gradient pulse duration)"))
    }

    /// Δ, or an error naming the model that needs it.
    pub fn require_big_delta(&self, model: &str) -> Result<&[f64], Error> {
        self.big_delta()
            .ok_or_else(|| missing(model, "Delta (gradient pulse separation)"))
    }

    /// q-values, or an error naming the model that needs them.
    pub fn require_qvalues(&self, model: &str) -> Result<&[f64], Error> {
        self.qvalues()
            .ok_or_else(|| missing(model, "delta and Delta (to derive q-values)"))
    }

    /// τ = Δ − δ/3, or an error naming the model that needs it.
    pub fn require_tau(&self, model: &str) -> Result<&[f64], Error> {
        self.tau()
            .ok_or_else(|| missing(model, "delta and Delta (to derive the diffusion time)"))
    }

    /// Echo times, or an error naming the model that needs them.
    pub fn require_echo_time(&self, model: &str) -> Result<&[f64], Error> {
        self.echo_time()
            .ok_or_else(|| missing(model, "TE (echo time)"))
    }
}

fn missing(model: &str, field: &'static str) -> Error {
    Error::MissingSchemeField {
        model: model.to_string(),
        field,
    }
}

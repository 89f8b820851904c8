//! Parameter metadata as data: one table per compartment instead of parallel string-keyed maps.

/// What kind of quantity a parameter is; fitting and priors treat each kind differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterKind {
    /// A direction `[θ, φ]` on the sphere (radians).
    Orientation,
    /// A diffusivity (m²/s).
    Diffusivity,
    /// A length: diameter, radius (m).
    Size,
    /// A time (s).
    Time,
    /// A volume or signal fraction in [0, 1].
    Fraction,
    /// A dispersion index or concentration (dimensionless).
    Dispersion,
    /// An angle about an axis that repeats over its bounds (e.g. `psi` ∈ [0, π]: ψ and ψ + π
    /// give the same tensor). Fitting wraps it instead of stopping at the bounds.
    PeriodicAngle,
    /// Anything else, dimensionless unless the unit says otherwise.
    Other,
}

impl ParameterKind {
    /// The SI unit of a quantity of this kind (`""` when dimensionless or not known from the
    /// kind alone).
    pub fn si_unit(self) -> &'static str {
        match self {
            ParameterKind::Orientation | ParameterKind::PeriodicAngle => "rad",
            ParameterKind::Diffusivity => "m^2/s",
            ParameterKind::Size => "m",
            ParameterKind::Time => "s",
            ParameterKind::Fraction | ParameterKind::Dispersion | ParameterKind::Other => "",
        }
    }
}

/// One parameter of a compartment: name, unit, SI bounds per component, scale, kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterSpec {
    /// The Dmipy 1.x parameter name, e.g. `"lambda_par"`.
    pub name: &'static str,
    /// SI unit, e.g. `"m^2/s"`; `"rad"` for orientations, `""` if dimensionless.
    pub unit: &'static str,
    /// Lower and upper bound of every component, in SI units; its length is the cardinality.
    pub bounds: &'static [(f64, f64)],
    /// Typical magnitude (Dmipy's `parameter_scales`), used to condition optimisation.
    pub scale: f64,
    /// What kind of quantity it is.
    pub kind: ParameterKind,
}

impl ParameterSpec {
    /// Number of scalar values the parameter takes (2 for an orientation).
    pub fn cardinality(&self) -> usize {
        self.bounds.len()
    }
}

//! The error type of the core crate.

/// Everything that can go wrong in the core: bad acquisition input, bad parameters, a scheme that
/// lacks what a model needs. Each variant names the problem and carries the offending data.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two inputs that must have one entry per measurement differ in length.
    #[error("{what}: expected {expected} entries (one per measurement), found {found}")]
    LengthMismatch {
        /// What was being compared, e.g. "gradient directions".
        what: String,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// An input that must not be empty is empty.
    #[error("{what} is empty")]
    Empty {
        /// What was empty.
        what: String,
    },
    /// A value is NaN or infinite.
    #[error("{what}[{index}] is not finite ({value})")]
    NotFinite {
        /// Which input.
        what: String,
        /// Index of the bad entry.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A value that must be non-negative is negative.
    #[error("{what}[{index}] is negative ({value})")]
    Negative {
        /// Which input.
        what: String,
        /// Index of the bad entry.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// A non-zero gradient direction is not of unit length.
    #[error(
        "gradient direction {index} has norm {norm:.6}, not 1 (tolerance 1e-3); renormalise it or ask for renormalisation"
    )]
    NonUnitDirection {
        /// Index of the measurement.
        index: usize,
        /// Its Euclidean norm.
        norm: f64,
    },
    /// The b-values look like they were given in the wrong unit.
    #[error("{message}")]
    SuspiciousUnit {
        /// What looks wrong and how to fix it.
        message: String,
    },
    /// A model needs an acquisition field (δ, Δ, TE, …) that the scheme does not have.
    #[error("{model} needs {field} in the acquisition scheme, but the scheme has none")]
    MissingSchemeField {
        /// The model asking.
        model: String,
        /// The missing field, e.g. "delta (pulse duration)".
        field: &'static str,
    },
    /// A parameter vector has the wrong length for the model.
    #[error("{model}: expected {expected} parameter values, found {found}")]
    ParameterCount {
        /// The model.
        model: String,
        /// The number of scalar values the model takes.
        expected: usize,
        /// The number given.
        found: usize,
    },
    /// An argument is outside the domain where it means anything.
    #[error("invalid {what}: {reason}")]
    InvalidArgument {
        /// Which argument.
        what: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A model name that does not exist.
    #[error("unknown model '{name}'; known models: {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// A numerical procedure (quadrature, root search) did not reach its tolerance.
    #[error("{what} did not converge: {detail}")]
    NotConverged {
        /// The procedure.
        what: String,
        /// Where it stopped and why.
        detail: String,
    },
    /// A parameter name that the multi-compartment model does not have.
    #[error("{model}: unknown parameter '{name}'; valid parameters: {valid}")]
    UnknownParameter {
        /// The model asked.
        model: String,
        /// The name given.
        name: String,
        /// The names that are valid here, comma-separated.
        valid: String,
    },
    /// A parameter that an earlier call fixed or linked, so that it is no longer a parameter.
    #[error(
        "{model}: '{name}' is already {how}; it is no longer a model parameter (valid parameters: {valid})"
    )]
    ParameterAlreadyLinked {
        /// The model asked.
        model: String,
        /// The parameter named.
        name: String,
        /// What happened to it, e.g. "fixed to a value" or "linked by set_equal_parameter".
        how: String,
        /// The names that are valid here, comma-separated.
        valid: String,
    },
    /// A value, bound or link whose number of components does not match the parameter's.
    #[error("{name}: expected {expected} component(s), found {found}")]
    ParameterCardinality {
        /// The parameter (or link) concerned.
        name: String,
        /// Its cardinality.
        expected: usize,
        /// The number given.
        found: usize,
    },
    /// A model file that cannot be read as a model; `location` says where in the file.
    #[error("model file, at {location}: {message}")]
    ModelFile {
        /// Where in the file, e.g. `compartments[1].set_fixed_parameter[0]` or `line 3, column 7`.
        location: String,
        /// What is wrong there.
        message: String,
    },
}

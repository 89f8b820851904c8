//! The simulator's error type.

/// Every failure of the simulator, with the offending data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A substrate description is invalid: `field` names the JSON field (or constructor argument).
    #[error("substrate field `{field}`: {reason}")]
    InvalidSubstrate {
        /// The field, e.g. `radius` or `kind`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A substrate file is not valid JSON or lacks a field.
    #[error("substrate JSON: {0}")]
    SubstrateJson(String),
    /// A waveform or simulation setting is invalid.
    #[error("{what}: {reason}")]
    InvalidArgument {
        /// The argument or setting.
        what: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The acquisition scheme lacks what a waveform constructor needs (e.g. δ and Δ).
    #[error(transparent)]
    Scheme(#[from] dmipy::Error),
    /// A given initial position lies outside every compartment of the substrate.
    #[error("initial position {index} ({position:?} m) is outside the substrate")]
    PositionOutside {
        /// Index of the walker.
        index: usize,
        /// The position (m).
        position: [f64; 3],
    },
    /// No initial position could be drawn inside the requested compartment.
    #[error("compartment `{compartment}`: {reason}")]
    Compartment {
        /// The compartment asked for.
        compartment: String,
        /// Why no walker can start there.
        reason: String,
    },
    /// The run was cancelled through [`Control::cancel`](crate::Control).
    #[error("simulation cancelled")]
    Cancelled,
}

pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Error {
    Error::InvalidSubstrate {
        field: field.into(),
        reason: reason.into(),
    }
}

pub(crate) fn invalid_arg(what: &str, reason: impl Into<String>) -> Error {
    Error::InvalidArgument {
        what: what.into(),
        reason: reason.into(),
    }
}

//! The errors of posterior sampling: bad priors, bad options, models that cannot be sampled.

/// Everything that can go wrong before or while sampling; each names the offending input.
#[derive(Debug, thiserror::Error)]
pub enum BayesError {
    /// A prior that cannot be used: unknown distribution or parameter, invalid hyperparameter,
    /// or outside the parameter's bounds.
    #[error("prior for {parameter}: {reason}")]
    Prior {
        /// The parameter (or the JSON path) the prior was given for.
        parameter: String,
        /// What is wrong.
        reason: String,
    },
    /// A sampling option out of range (chains < 1, draws 0, σ ≤ 0, …).
    #[error("sampling option {option}: {reason}")]
    Option {
        /// The option.
        option: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A model that cannot be sampled (no free parameter, spherical mean, …).
    #[error("model {model}: {reason}")]
    Model {
        /// The model's description.
        model: String,
        /// Why it cannot be sampled.
        reason: String,
    },
    /// An error of the core (lengths, likelihood, least-squares start).
    #[error(transparent)]
    Core(#[from] dmipy::Error),
    /// The sampler (nuts-rs) failed unrecoverably.
    #[error("sampler failed in voxel {voxel}: {message}")]
    Sampler {
        /// Index of the voxel.
        voxel: usize,
        /// The sampler's message.
        message: String,
    },
}

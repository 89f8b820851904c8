//! The last step of every constructor: derived τ, b0 mask, checked directions, shells, exact pulse groups and shell-mean weights.

use super::conversions::tau;
use super::scheme::{AcquisitionScheme, SchemeOptions};
use super::shell_mean::shell_mean;
use super::shells::{cluster_shells, group_exact_pulses};
use super::validate::{Timing, check_options, checked_directions};
use crate::Error;
use crate::special::damped_modes::grouped_by_tau;

/// Measurement-wise b (s/m²), q (m⁻¹) and |G| (T/m), already validated and consistent.
pub(crate) struct Weighting {
    pub(crate) bvalues: Vec<f64>,
    pub(crate) qvalues: Option<Vec<f64>>,
    pub(crate) gradient_strengths: Option<Vec<f64>>,
}

impl AcquisitionScheme {
    /// Assembles a scheme from validated weighting and timing; checks the directions (whose length
    /// the caller has checked) against the b0 mask, and the options.
    pub(crate) fn assemble(
        weighting: Weighting,
        directions: &[[f64; 3]],
        timing: Timing,
        options: &SchemeOptions,
    ) -> Result<Self, Error> {
        let Weighting {
            bvalues,
            qvalues,
            gradient_strengths,
        } = weighting;
        check_options(options)?;
        let b0_mask: Vec<bool> = bvalues.iter().map(|&b| b <= options.b0_threshold).collect();
        let directions = checked_directions(directions, &b0_mask, options)?;
        let tau = match (&timing.delta, &timing.big_delta) {
            (Some(d), Some(bd)) => Some(d.iter().zip(bd).map(|(&d, &bd)| tau(d, bd)).collect()),
            _ => None,
        };
        let timing_fields = [
            timing.delta.as_deref(),
            timing.big_delta.as_deref(),
            timing.echo_time.as_deref(),
        ];
        let (shells, shell_of) = cluster_shells(
            &bvalues,
            &b0_mask,
            timing_fields,
            options.min_shell_distance,
        );
        let pulse_groups = group_exact_pulses(&bvalues, &b0_mask, timing_fields);
        let tau_order = tau.as_deref().map(grouped_by_tau).unwrap_or_default();
        let shell_means = shells
            .iter()
            .map(|s| {
                let dirs: Vec<[f64; 3]> = s.indices.iter().map(|&i| directions[i]).collect();
                shell_mean(s.is_b0, &dirs)
            })
            .collect();
        Ok(Self {
            bvalues,
            directions,
            delta: timing.delta,
            big_delta: timing.big_delta,
            echo_time: timing.echo_time,
            qvalues,
            gradient_strengths,
            tau,
            b0_mask,
            shells,
            shell_of,
            pulse_groups,
            shell_means,
            tau_order,
            options: options.clone(),
        })
    }
}

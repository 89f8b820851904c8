//! S0 normalisation of voxel data: echo-time groups from the scheme's shells, each divided by the mean of its b0s.

use super::voxels::VoxelFlag;
use crate::{AcquisitionScheme, Error};

/// The echo-time groups of a scheme: measurements that share one echo time (exactly, as the
/// scheme's shells are grouped; all measurements when TE is unknown), each normalised by the mean
/// of its own b0 measurements, since S0 decays with TE (Dmipy 1.x's `S0_tissue_responses` and
/// its per-TE normalisation of multi-TE data).
#[derive(Debug, Clone, PartialEq)]
pub struct EchoTimeGroups {
    /// The group of each measurement.
    of: Vec<usize>,
    /// The b0 measurements of each group (none empty).
    b0: Vec<Vec<usize>>,
}

impl EchoTimeGroups {
    /// The groups of `scheme`. Errors when a group has no b0 measurement to normalise by.
    pub fn new(scheme: &AcquisitionScheme) -> Result<Self, Error> {
        let mut echo_times: Vec<Option<f64>> = Vec::new();
        let mut of = vec![0; scheme.len()];
        for shell in scheme.shells() {
            let te = shell.echo_time.map(f64::to_bits);
            let g = match echo_times.iter().position(|t| t.map(f64::to_bits) == te) {
                Some(g) => g,
                None => {
                    echo_times.push(shell.echo_time);
                    echo_times.len() - 1
                }
            };
            shell.indices.iter().for_each(|&i| of[i] = g);
        }
        let mut b0 = vec![Vec::new(); echo_times.len()];
        for (i, (&g, &is_b0)) in of.iter().zip(scheme.b0_mask()).enumerate() {
            if is_b0 {
                b0[g].push(i);
            }
        }
        if let Some(g) = b0.iter().position(Vec::is_empty) {
            return Err(Error::InvalidArgument {
                what: "acquisition scheme".into(),
                reason: format!(
                    "echo time {} s has no b0 measurement to normalise by",
                    echo_times[g].unwrap_or(f64::NAN)
                ),
            });
        }
        Ok(Self { of, b0 })
    }

    /// Number of groups (one S0 each).
    pub fn len(&self) -> usize {
        self.b0.len()
    }

    /// Whether there is no group (a scheme without measurements).
    pub fn is_empty(&self) -> bool {
        self.b0.is_empty()
    }

    /// The group of each measurement.
    pub fn group_of(&self) -> &[usize] {
        &self.of
    }

    /// Normalises one voxel's `raw` data (one per measurement, any signal unit): writes the S0 of
    /// each group (the mean of its b0s, data units) to `s0` and raw / S0 of its group to `y`.
    /// Returns the flag of a voxel that cannot be normalised: non-finite data, or a group whose
    /// mean b0 is not positive. `raw` and `y` must have the scheme's length, `s0` [`len`](Self::len).
    pub fn normalise(&self, raw: &[f64], y: &mut [f64], s0: &mut [f64]) -> Result<(), VoxelFlag> {
        if raw.iter().any(|d| !d.is_finite()) {
            return Err(VoxelFlag::NonFinite);
        }
        for (s, b0) in s0.iter_mut().zip(&self.b0) {
            *s = b0.iter().map(|&i| raw[i]).sum::<f64>() / b0.len() as f64;
        }
        if s0.iter().any(|&s| s <= 0.0) {
            return Err(VoxelFlag::NonPositiveB0);
        }
        for ((y, &d), &g) in y.iter_mut().zip(raw).zip(&self.of) {
            *y = d / s0[g];
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{PerMeasurement, PulseTiming, SchemeOptions};

    fn two_echo_times() -> AcquisitionScheme {
        let b = [0.0, 1e9, 0.0, 1e9, 2e9];
        let dirs = [
            [0.0; 3],
            [1.0, 0.0, 0.0],
            [0.0; 3],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 1.0],
        ];
        let timing = PulseTiming {
            echo_time: Some(PerMeasurement::Values(vec![0.08, 0.08, 0.1, 0.1, 0.08])),
            ..PulseTiming::pgse(0.01, 0.03)
        };
        AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap()
    }

    #[test]
    fn each_echo_time_is_divided_by_its_own_b0() {
        let groups = EchoTimeGroups::new(&two_echo_times()).unwrap();
        assert_eq!(groups.group_of(), [0, 0, 1, 1, 0]);
        let (mut y, mut s0) = ([0.0; 5], [0.0; 2]);
        groups
            .normalise(&[200.0, 100.0, 50.0, 20.0, 40.0], &mut y, &mut s0)
            .unwrap();
        assert_eq!(s0, [200.0, 50.0]);
        assert_eq!(y, [1.0, 0.5, 1.0, 0.4, 0.2]);
    }

    #[test]
    fn bad_voxels_are_flagged() {
        let groups = EchoTimeGroups::new(&two_echo_times()).unwrap();
        let (mut y, mut s0) = ([0.0; 5], [0.0; 2]);
        let nan = [200.0, f64::NAN, 50.0, 20.0, 40.0];
        assert_eq!(
            groups.normalise(&nan, &mut y, &mut s0),
            Err(VoxelFlag::NonFinite)
        );
        let dark = [200.0, 100.0, 0.0, 20.0, 40.0];
        assert_eq!(
            groups.normalise(&dark, &mut y, &mut s0),
            Err(VoxelFlag::NonPositiveB0)
        );
    }

    #[test]
    fn an_echo_time_without_b0_is_an_error() {
        let b = [0.0, 1e9, 1e9];
        let dirs = [[0.0; 3], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
        let timing = PulseTiming {
            echo_time: Some(PerMeasurement::Values(vec![0.08, 0.08, 0.1])),
            ..PulseTiming::pgse(0.01, 0.03)
        };
        let scheme =
            AcquisitionScheme::from_bvalues(&b, &dirs, timing, &SchemeOptions::default()).unwrap();
        let error = EchoTimeGroups::new(&scheme).unwrap_err().to_string();
        assert!(error.contains("0.1 s has no b0"), "{error}");
    }
}

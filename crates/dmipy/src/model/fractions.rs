//! Volume fractions: nested (stick-breaking) fractions for optimisation, and multi-tissue S0 responses (signal versus volume fractions).

use super::MultiCompartmentModel;
use crate::{Error, Scalar};

/// Volume fractions from nested (stick-breaking) fractions $t_0 … t_{N-2} \in [0, 1]$:
///
/// $f_i = t_i \prod_{j<i}(1 - t_j)$ for $i < N-1$, and $f_{N-1} = \prod_{j<N-1}(1 - t_j)$,
///
/// so that $f_i \ge 0$ and $\sum_i f_i = 1$ for every $t$ in the unit cube (Dmipy 1.x's
/// `nested_to_normalized_fractions`, which its brute-to-fine optimiser uses). `fractions.len()`
/// must be `nested.len() + 1`; dimensionless. Generic, so derivatives flow through.
pub fn nested_to_fractions<D: Scalar>(nested: &[D], fractions: &mut [D]) {
    debug_assert_eq!(fractions.len(), nested.len() + 1);
    let mut remaining = D::one();
    for (f, &t) in fractions.iter_mut().zip(nested) {
        *f = remaining * t;
        remaining -= *f;
    }
    if let Some(last) = fractions.last_mut() {
        *last = remaining;
    }
}

/// The inverse of [`nested_to_fractions`]: $t_i = f_i / (1 - \sum_{j<i} f_j)$, after
/// normalising the $f_i$ to sum to one; where nothing remains ($\sum_{j<i} f_j = 1$) the
/// nested fraction is 0. `nested.len()` must be `fractions.len() - 1`.
pub fn nested_from_fractions<D: Scalar>(fractions: &[D], nested: &mut [D]) {
    debug_assert_eq!(fractions.len(), nested.len() + 1);
    let total = fractions.iter().fold(D::zero(), |a, &f| a + f);
    let mut remaining = D::one();
    for (t, &f) in nested.iter_mut().zip(fractions) {
        let f = f / total;
        *t = if remaining.re() > 0.0 {
            f / remaining
        } else {
            D::zero()
        };
        remaining -= f;
    }
}

impl MultiCompartmentModel {
    /// Sets Dmipy's `S0_tissue_responses`: the b = 0 signal of each component's tissue, one
    /// positive number per component (arbitrary units). Errors for the wrong count or values
    /// that are not positive and finite. Call it before an S0-corrected
    /// [`set_tortuous_parameter`](Self::set_tortuous_parameter).
    pub fn set_s0_responses(&mut self, responses: Vec<f64>) -> Result<(), Error> {
        if responses.len() != self.component_count() {
            return Err(Error::LengthMismatch {
                what: "S0 tissue responses (one per component)".into(),
                expected: self.component_count(),
                found: responses.len(),
            });
        }
        if let Some(i) = responses.iter().position(|r| !(r.is_finite() && *r > 0.0)) {
            return Err(Error::InvalidArgument {
                what: format!("S0 tissue response {i}"),
                reason: format!("{} is not positive and finite", responses[i]),
            });
        }
        self.s0_responses = Some(responses);
        Ok(())
    }

    /// The S0 tissue responses, if set.
    pub fn s0_responses(&self) -> Option<&[f64]> {
        self.s0_responses.as_deref()
    }

    /// Volume fractions from signal fractions, with the S0 responses $S_{0,i}$:
    /// $v_i = \frac{s_i / S_{0,i}}{\sum_j s_j / S_{0,j}}$ (Dell'Acqua & Tournier 2019, NMR Biomed.
    /// 32:e3945, doi:10.1002/nbm.3945; equation number not checked here).
    ///
    /// Dmipy's `partial_volume_i` are signal fractions (fractions of the S0-normalised signal);
    /// its `fitted_multi_tissue_fractions_normalized` are volume fractions. Without S0 responses
    /// both are the same and `out` is a copy. Lengths: one per component.
    pub fn volume_fractions_from_signal_fractions<D: Scalar>(
        &self,
        signal_fractions: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.reweight(signal_fractions, out, |s0| 1.0 / s0)
    }

    /// Signal fractions from volume fractions: $s_i = \frac{v_i S_{0,i}}{\sum_j v_j S_{0,j}}$,
    /// the inverse of [`volume_fractions_from_signal_fractions`](Self::volume_fractions_from_signal_fractions).
    pub fn signal_fractions_from_volume_fractions<D: Scalar>(
        &self,
        volume_fractions: &[D],
        out: &mut [D],
    ) -> Result<(), Error> {
        self.reweight(volume_fractions, out, |s0| s0)
    }

    fn reweight<D: Scalar>(
        &self,
        input: &[D],
        out: &mut [D],
        weight: impl Fn(f64) -> f64,
    ) -> Result<(), Error> {
        let n = self.component_count();
        for (what, len) in [("input fractions", input.len()), ("output", out.len())] {
            if len != n {
                return Err(Error::LengthMismatch {
                    what: format!("{what} (one per component)"),
                    expected: n,
                    found: len,
                });
            }
        }
        let s0 = self.s0_responses.as_deref();
        for (i, (o, &x)) in out.iter_mut().zip(input).enumerate() {
            *o = x * weight(s0.map_or(1.0, |s| s[i]));
        }
        let total = out.iter().fold(D::zero(), |a, &v| a + v);
        for o in out.iter_mut() {
            *o /= total;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelComponent;
    use num_dual::Dual64;
    use proptest::prelude::*;

    #[test]
    fn nested_known_values() {
        // t = (0.5, 0.5): f = (0.5, 0.25, 0.25); t = (1, x): f = (1, 0, 0).
        let mut f = [0.0; 3];
        nested_to_fractions(&[0.5, 0.5], &mut f);
        assert_eq!(f, [0.5, 0.25, 0.25]);
        nested_to_fractions(&[1.0, 0.3], &mut f);
        assert_eq!(f, [1.0, 0.0, 0.0]);
        let mut t = [9.0; 2];
        nested_from_fractions(&[1.0, 0.0, 0.0], &mut t);
        assert_eq!(t, [1.0, 0.0]);
    }

    proptest! {
        #[test]
        fn nested_fractions_sum_to_one_and_invert(t in proptest::collection::vec(0.0..=1.0f64, 1..6)) {
            let mut f = vec![0.0; t.len() + 1];
            nested_to_fractions(&t, &mut f);
            let sum: f64 = f.iter().sum();
            prop_assert!((sum - 1.0).abs() <= 1e-15);
            prop_assert!(f.iter().all(|&v| (0.0..=1.0).contains(&v)));
            let mut back = vec![0.0; t.len()];
            nested_from_fractions(&f, &mut back);
            // Where an earlier t is 1, later ones are undetermined (0 by convention).
            let cut = t.iter().position(|&x| x >= 1.0 - 1e-12).map_or(t.len(), |p| p + 1);
            for k in 0..cut {
                prop_assert!((back[k] - t[k]).abs() <= 1e-9, "{:?} -> {:?}", t, back);
            }
        }
    }

    #[test]
    fn nested_derivative_equals_finite_difference() {
        let t = [0.3, 0.6];
        for k in 0..2 {
            let mut d = [Dual64::from(t[0]), Dual64::from(t[1])];
            d[k] = d[k].derivative();
            let mut f = [Dual64::from(0.0); 3];
            nested_to_fractions(&d, &mut f);
            let h = 1e-7;
            let (mut up, mut down) = (t, t);
            up[k] += h;
            down[k] -= h;
            let (mut fu, mut fd) = ([0.0; 3], [0.0; 3]);
            nested_to_fractions(&up, &mut fu);
            nested_to_fractions(&down, &mut fd);
            for i in 0..3 {
                let fdiff = (fu[i] - fd[i]) / (2.0 * h);
                assert!((f[i].eps - fdiff).abs() < 1e-8, "d f{i}/d t{k}");
            }
        }
    }

    #[test]
    fn signal_and_volume_fractions_with_s0_responses() {
        let comps = ["C1Stick", "G1Ball"]
            .iter()
            .map(|n| ModelComponent::by_name(n).unwrap())
            .collect();
        let mut model = MultiCompartmentModel::new(comps).unwrap();
        // Intra-axonal tissue S0 = 1, CSF S0 = 3: volume fractions (0.5, 0.5) give signal
        // fractions (1/4, 3/4) by hand.
        model.set_s0_responses(vec![1.0, 3.0]).unwrap();
        let mut s = [0.0f64; 2];
        model
            .signal_fractions_from_volume_fractions(&[0.5, 0.5], &mut s)
            .unwrap();
        assert!((s[0] - 0.25).abs() < 1e-15 && (s[1] - 0.75).abs() < 1e-15);
        let mut v = [0.0f64; 2];
        model
            .volume_fractions_from_signal_fractions(&s, &mut v)
            .unwrap();
        assert!((v[0] - 0.5).abs() < 1e-15 && (v[1] - 0.5).abs() < 1e-15);
        assert!(model.set_s0_responses(vec![1.0]).is_err());
        assert!(model.set_s0_responses(vec![1.0, -2.0]).is_err());
        assert!(
            model
                .volume_fractions_from_signal_fractions(&[1.0], &mut v)
                .is_err()
        );
    }
}

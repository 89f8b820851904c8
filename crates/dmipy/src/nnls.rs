//! Non-negative least squares by the Lawson–Hanson active-set algorithm, in the Gram form of Bro & De Jong.
//!
//! No crate was used: on this machine the candidates were either heavy (faer, ≈6.5 min to build,
//! see CRATES.md) or not exact active-set methods (projected-gradient `nnls` crates stop at a
//! tolerance). Lawson–Hanson terminates in finitely many steps at the exact solution (up to
//! rounding), and the Gram form lets the caller keep the m × m cross-product of a fixed matrix
//! between voxels, which is what the constrained deconvolution needs.

use crate::Error;

/// What an NNLS solve did, beside its solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NnlsInfo {
    /// Outer iterations (indices moved into the passive set).
    pub iterations: usize,
    /// Whether the Karush–Kuhn–Tucker conditions held at the end (false: iteration limit).
    pub converged: bool,
}

/// Access to the Gram matrix $Q = A^\top A$ of an NNLS problem, entry by entry and as a product;
/// lets a caller keep $Q$ in any form (dense, low-rank plus a rank-one term, …).
pub(crate) trait Gram {
    /// Number of unknowns m.
    fn len(&self) -> usize;
    /// $Q_{ij}$.
    fn entry(&self, i: usize, j: usize) -> f64;
    /// $Q u$ into `out` (length m), for u that is zero outside `support`.
    fn times(&self, u: &[f64], support: &[usize], out: &mut [f64]);
}

/// A dense row-major m × m Gram matrix.
pub(crate) struct DenseGram<'a> {
    pub q: &'a [f64],
    pub m: usize,
}

impl Gram for DenseGram<'_> {
    fn len(&self) -> usize {
        self.m
    }
    fn entry(&self, i: usize, j: usize) -> f64 {
        self.q[i * self.m + j]
    }
    fn times(&self, u: &[f64], support: &[usize], out: &mut [f64]) {
        for (i, o) in out.iter_mut().enumerate() {
            let row = &self.q[i * self.m..(i + 1) * self.m];
            *o = support.iter().map(|&j| row[j] * u[j]).sum();
        }
    }
}

/// Solves $\min_{u \ge 0} \tfrac12 u^\top Q u - c^\top u$ for the Gram matrix $Q = A^\top A$ and
/// $c = A^\top y$, i.e. $\min_{u\ge0}\lVert Au - y\rVert$: Lawson & Hanson 1974, *Solving Least
/// Squares Problems*, Prentice-Hall, ch. 23, Algorithm NNLS (23.10), with the passive-set
/// subproblems solved on $Q$ as in Bro & De Jong 1997, J. Chemometrics 11:393,
/// doi:10.1002/(SICI)1099-128X(199709/10)11:5<393::AID-CEM483>3.0.CO;2-L (FNNLS).
///
/// `u` (length m) receives the solution. `tolerance` is the largest dual value w = c − Qu counted
/// as zero (callers scale it to their problem). A passive-set subsystem that is not numerically
/// positive definite (a new index linearly dependent on the others) is refused: that index is
/// dropped from this step, as the algorithm's exact arithmetic would never choose it.
pub(crate) fn nnls_gram(
    gram: &impl Gram,
    c: &[f64],
    tolerance: f64,
    max_iterations: usize,
    u: &mut [f64],
) -> Result<NnlsInfo, Error> {
    let m = gram.len();
    if c.len() != m || u.len() != m {
        return Err(Error::LengthMismatch {
            what: "NNLS right-hand side and solution (one per unknown)".into(),
            expected: m,
            found: if c.len() != m { c.len() } else { u.len() },
        });
    }
    u.fill(0.0);
    let mut passive: Vec<usize> = Vec::new();
    let mut in_passive = vec![false; m];
    let mut refused = vec![false; m];
    let mut w = c.to_vec();
    let mut s = vec![0.0; m];
    let mut factor = PassiveFactor::default();
    let mut rhs: Vec<f64> = Vec::new();
    let mut info = NnlsInfo::default();
    loop {
        // The most violated dual value among the indices not yet passive (Algorithm 23.10, step 5).
        let entering = (0..m)
            .filter(|&i| !in_passive[i] && !refused[i] && w[i] > tolerance)
            .max_by(|&a, &b| w[a].total_cmp(&w[b]));
        let Some(j) = entering else {
            info.converged = true;
            return Ok(info);
        };
        if info.iterations >= max_iterations {
            return Ok(info);
        }
        info.iterations += 1;
        if !factor.append(gram, &passive, j) {
            // Numerically dependent on the passive columns: exact arithmetic would never pick
            // it (its dual value would be zero); skip it until the passive set changes.
            refused[j] = true;
            continue;
        }
        passive.push(j);
        in_passive[j] = true;
        refused.iter_mut().for_each(|r| *r = false);
        loop {
            // Unconstrained least squares on the passive set (step 6).
            factor.solve(c, &passive, &mut rhs);
            if rhs.iter().all(|&v| v > 0.0) {
                for (&i, &v) in passive.iter().zip(&rhs) {
                    u[i] = v;
                }
                break;
            }
            // Step back to the boundary (steps 8–11); the index that sets the step lands on
            // exactly zero, whatever the rounding.
            let mut alpha = 1.0f64;
            let mut blocking = passive[0];
            for (&i, &v) in passive.iter().zip(&rhs) {
                if v <= 0.0 && u[i] / (u[i] - v) < alpha {
                    alpha = u[i] / (u[i] - v);
                    blocking = i;
                }
            }
            for (&i, &v) in passive.iter().zip(&rhs) {
                u[i] += alpha * (v - u[i]);
            }
            u[blocking] = 0.0;
            passive.retain(|&i| {
                let keep = u[i] > 0.0;
                if !keep {
                    u[i] = 0.0;
                    in_passive[i] = false;
                }
                keep
            });
            if passive.is_empty() || !factor.rebuild(gram, &passive) {
                factor.rows.clear();
                for &i in &passive {
                    u[i] = 0.0;
                    in_passive[i] = false;
                }
                passive.clear();
                break;
            }
        }
        // Dual values w = c − Qu (step 2).
        gram.times(u, &passive, &mut s);
        for ((wi, &ci), &si) in w.iter_mut().zip(c).zip(&s) {
            *wi = ci - si;
        }
    }
}

/// The Cholesky factor of $Q_{PP}$, row by row (row i has i + 1 entries), grown by one row when
/// an index enters (O(p²) instead of refactoring, O(p³)) and rebuilt when indices leave.
#[derive(Default)]
struct PassiveFactor {
    rows: Vec<Vec<f64>>,
}

impl PassiveFactor {
    /// Appends index `j` to the factor of `passive`; false (factor unchanged) when its pivot is
    /// below 1e-13 of its diagonal, i.e. it is numerically dependent on the passive set.
    fn append(&mut self, gram: &impl Gram, passive: &[usize], j: usize) -> bool {
        let mut row: Vec<f64> = passive.iter().map(|&i| gram.entry(j, i)).collect();
        for (k, lk) in self.rows.iter().enumerate() {
            let partial: f64 = lk[..k].iter().zip(&row[..k]).map(|(a, b)| a * b).sum();
            row[k] = (row[k] - partial) / lk[k];
        }
        let diagonal = gram.entry(j, j);
        let pivot = diagonal - row.iter().map(|v| v * v).sum::<f64>();
        if pivot.is_nan() || pivot <= 1e-13 * diagonal {
            return false;
        }
        row.push(pivot.sqrt());
        self.rows.push(row);
        true
    }

    /// Refactors from scratch for `passive`; false when it is not numerically positive definite.
    fn rebuild(&mut self, gram: &impl Gram, passive: &[usize]) -> bool {
        self.rows.clear();
        for (k, &j) in passive.iter().enumerate() {
            if !self.append(gram, &passive[..k], j) {
                return false;
            }
        }
        true
    }

    /// Solves $Q_{PP} s = c_P$ into `out`.
    fn solve(&self, c: &[f64], passive: &[usize], out: &mut Vec<f64>) {
        out.clear();
        out.extend(passive.iter().map(|&i| c[i]));
        for (k, lk) in self.rows.iter().enumerate() {
            let partial: f64 = lk[..k].iter().zip(&out[..k]).map(|(a, b)| a * b).sum();
            out[k] = (out[k] - partial) / lk[k];
        }
        for k in (0..self.rows.len()).rev() {
            let mut v = out[k];
            for (i, li) in self.rows.iter().enumerate().skip(k + 1) {
                v -= li[k] * out[i];
            }
            out[k] = v / self.rows[k][k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gram form of a row-major n × m matrix A and vector y.
    pub(crate) fn gram_of(a: &[f64], n: usize, m: usize, y: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut q = vec![0.0; m * m];
        let mut c = vec![0.0; m];
        for r in 0..n {
            for i in 0..m {
                c[i] += a[r * m + i] * y[r];
                for j in 0..m {
                    q[i * m + j] += a[r * m + i] * a[r * m + j];
                }
            }
        }
        (q, c)
    }

    #[test]
    fn lawson_hanson_textbook_case_with_one_active_bound() {
        // min ‖Au − y‖, A = I₂, y = (1, −1): the answer is (1, 0), by inspection.
        let (q, c) = gram_of(&[1.0, 0.0, 0.0, 1.0], 2, 2, &[1.0, -1.0]);
        let mut u = [0.0; 2];
        let info = nnls_gram(&DenseGram { q: &q, m: 2 }, &c, 1e-14, 10, &mut u).unwrap();
        assert!(info.converged);
        assert_eq!(u, [1.0, 0.0]);
    }

    #[test]
    fn positive_unconstrained_solution_is_returned_unchanged() {
        // A = [[2, 1], [1, 3], [0, 1]], y = A·(0.5, 0.25): NNLS must recover (0.5, 0.25) exactly.
        let a = [2.0, 1.0, 1.0, 3.0, 0.0, 1.0];
        let y = [1.25, 1.25, 0.25];
        let (q, c) = gram_of(&a, 3, 2, &y);
        let mut u = [0.0; 2];
        nnls_gram(&DenseGram { q: &q, m: 2 }, &c, 1e-14, 10, &mut u).unwrap();
        assert!(
            (u[0] - 0.5).abs() < 1e-14 && (u[1] - 0.25).abs() < 1e-14,
            "{u:?}"
        );
    }

    #[test]
    fn wrong_lengths_are_typed_errors() {
        let q = [1.0];
        let mut u = [0.0; 2];
        assert!(matches!(
            nnls_gram(&DenseGram { q: &q, m: 1 }, &[1.0], 0.0, 5, &mut u),
            Err(Error::LengthMismatch { .. })
        ));
    }
}

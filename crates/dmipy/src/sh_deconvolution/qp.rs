//! A strictly convex quadratic programme with linear inequalities and at most one equality, solved exactly by least-distance programming and NNLS.

use crate::Error;
use crate::linalg::cholesky_in_place;
use crate::nnls::{Gram, NnlsInfo, nnls_gram};

/// $\min_x \tfrac12 x^\top H x - g^\top x$ subject to $G x \ge h$ and optionally $a^\top x = \beta$,
/// for a positive-definite H, inequality rows G and bounds h fixed when the problem is built and
/// a linear term g given per solve (one voxel).
///
/// Method: the equality is removed by a null-space substitution $x = x_p + Z w$ (Z an orthonormal
/// basis of $a^\perp$ from one Householder reflection; Golub & Van Loan 2013, *Matrix
/// Computations*, 4th ed., §6.2); with the Cholesky factor $H = LL^\top$ and $z = L^\top x - L^{-1}g$
/// the problem becomes the least-distance programme $\min \lVert z\rVert$ subject to
/// $M z \ge h - M L^{-1} g$, $M = G L^{-\top}$ (Lawson & Hanson 1974, *Solving Least Squares
/// Problems*, ch. 23, §§ 5–7, the LSI → LDP reduction), which is solved through one NNLS of size
/// (n + 1) × k (their Algorithm LDP, 23.27) in Gram form; $MM^\top$ is kept from build to solve.
/// The result is exact up to rounding: no penalty, no barrier, no iteration tolerance beyond
/// NNLS's test for a zero dual value.
#[derive(Debug, Clone)]
pub(crate) struct InequalityQp {
    /// Unknowns of the original problem.
    n: usize,
    /// Unknowns after the equality substitution (n or n − 1).
    r: usize,
    /// Number of inequality rows k.
    k: usize,
    /// Cholesky factor L of the reduced H (r × r, row-major lower).
    chol: Vec<f64>,
    /// M = G_r L⁻ᵀ (k × r).
    m: Vec<f64>,
    /// M Mᵀ (k × k).
    mm: Vec<f64>,
    /// Reduced inequality bounds h − G x_p (k).
    h: Vec<f64>,
    /// Equality substitution: Z (n × r, row-major), x_p (n), and Zᵀ H x_p (r).
    z: Option<(Vec<f64>, Vec<f64>, Vec<f64>)>,
}

/// Scratch of one solve, reused between voxels.
#[derive(Debug, Clone, Default)]
pub(crate) struct QpScratch {
    g: Vec<f64>,
    b: Vec<f64>,
    hhat: Vec<f64>,
    u: Vec<f64>,
    w: Vec<f64>,
}

impl InequalityQp {
    /// Builds the problem for H (n × n), G (k × n), h (k), both row-major, and an optional equality
    /// (a, β). Errors when the shapes disagree, H is not positive definite, or a is zero.
    pub(crate) fn new(
        h_matrix: &[f64],
        n: usize,
        g_rows: &[f64],
        h_bounds: &[f64],
        equality: Option<(&[f64], f64)>,
    ) -> Result<Self, Error> {
        let k = h_bounds.len();
        check(h_matrix.len(), n * n, "QP Hessian (n × n)")?;
        check(g_rows.len(), k * n, "QP inequality rows (k × n)")?;
        let (hr, gr, hb, r, z) = match equality {
            None => (
                h_matrix.to_vec(),
                g_rows.to_vec(),
                h_bounds.to_vec(),
                n,
                None,
            ),
            Some((a, beta)) => {
                check(a.len(), n, "QP equality row")?;
                let (zm, xp) = null_space(a, beta)?;
                let r = n - 1;
                let hz = mat_mul(h_matrix, n, n, &zm, r); // n × r
                let hr = mat_t_mul(&zm, n, r, &hz, r); // r × r
                let gz = mat_mul(g_rows, k, n, &zm, r); // k × r
                let hb: Vec<f64> = (0..k)
                    .map(|i| h_bounds[i] - dot(&g_rows[i * n..(i + 1) * n], &xp))
                    .collect();
                let hxp: Vec<f64> = (0..n)
                    .map(|i| dot(&h_matrix[i * n..(i + 1) * n], &xp))
                    .collect();
                let zt_hxp: Vec<f64> = (0..r)
                    .map(|j| (0..n).map(|i| zm[i * r + j] * hxp[i]).sum())
                    .collect();
                (hr, gz, hb, r, Some((zm, xp, zt_hxp)))
            }
        };
        let mut chol = hr;
        if !cholesky_in_place(&mut chol, r) {
            return Err(Error::InvalidArgument {
                what: "QP Hessian".into(),
                reason: "not positive definite (design matrix without full column rank?)".into(),
            });
        }
        // Row i of M solves L mᵢ = (row i of G)ᵀ.
        let mut m = gr;
        for i in 0..k {
            forward(&chol, r, &mut m[i * r..(i + 1) * r]);
        }
        let mut mm = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..=i {
                let v = dot(&m[i * r..(i + 1) * r], &m[j * r..(j + 1) * r]);
                mm[i * k + j] = v;
                mm[j * k + i] = v;
            }
        }
        Ok(Self {
            n,
            r,
            k,
            chol,
            m,
            mm,
            h: hb,
            z,
        })
    }

    /// The minimiser for linear term `g` (length n) into `x` (length n). Errors when the
    /// constraints cannot all hold (an infeasible problem) or the lengths are wrong.
    pub(crate) fn solve(
        &self,
        g: &[f64],
        x: &mut [f64],
        s: &mut QpScratch,
    ) -> Result<NnlsInfo, Error> {
        check(g.len(), self.n, "QP linear term")?;
        check(x.len(), self.n, "QP solution buffer")?;
        let (r, k) = (self.r, self.k);
        s.g.clear();
        match &self.z {
            None => s.g.extend_from_slice(g),
            Some((zm, _, zt_hxp)) => {
                s.g.extend(
                    (0..r).map(|j| {
                        (0..self.n).map(|i| zm[i * r + j] * g[i]).sum::<f64>() - zt_hxp[j]
                    }),
                );
            }
        }
        // b = L⁻¹ g, the unconstrained minimiser in z-space is z = 0 ⇔ x = L⁻ᵀ b.
        s.b.clone_from(&s.g);
        forward(&self.chol, r, &mut s.b);
        s.hhat.clear();
        s.hhat
            .extend((0..k).map(|i| self.h[i] - dot(&self.m[i * r..(i + 1) * r], &s.b)));
        s.u.resize(k, 0.0);
        let scale = s.hhat.iter().fold(1.0f64, |a, &v| a.max(v.abs()));
        let gram = LdpGram {
            mm: &self.mm,
            hhat: &s.hhat,
            k,
        };
        let info = nnls_gram(&gram, &s.hhat, 1e-13 * scale, 20 * (k + r), &mut s.u)?;
        // z = Mᵀu / (1 − ĥᵀu) (Algorithm LDP, step 4).
        let denominator = 1.0 - dot(&s.hhat, &s.u);
        if denominator.abs() <= 1e-12 {
            return Err(Error::NotConverged {
                what: "constrained deconvolution".into(),
                detail: "the inequality constraints are infeasible".into(),
            });
        }
        s.w.clear();
        s.w.resize(r, 0.0);
        for (i, &ui) in s.u.iter().enumerate() {
            if ui != 0.0 {
                for (wj, &mij) in s.w.iter_mut().zip(&self.m[i * r..(i + 1) * r]) {
                    *wj += ui * mij;
                }
            }
        }
        for (wj, &bj) in s.w.iter_mut().zip(&s.b) {
            *wj = *wj / denominator + bj;
        }
        backward(&self.chol, r, &mut s.w);
        match &self.z {
            None => x.copy_from_slice(&s.w),
            Some((zm, xp, _)) => {
                for (i, xi) in x.iter_mut().enumerate() {
                    *xi = xp[i] + dot(&zm[i * r..(i + 1) * r], &s.w);
                }
            }
        }
        Ok(info)
    }
}

/// The Gram matrix of LDP's NNLS, $MM^\top + \hat h\hat h^\top$, without forming it.
struct LdpGram<'a> {
    mm: &'a [f64],
    hhat: &'a [f64],
    k: usize,
}

impl Gram for LdpGram<'_> {
    fn len(&self) -> usize {
        self.k
    }
    fn entry(&self, i: usize, j: usize) -> f64 {
        self.mm[i * self.k + j] + self.hhat[i] * self.hhat[j]
    }
    fn times(&self, u: &[f64], support: &[usize], out: &mut [f64]) {
        let hu: f64 = support.iter().map(|&j| self.hhat[j] * u[j]).sum();
        for (i, o) in out.iter_mut().enumerate() {
            let row = &self.mm[i * self.k..(i + 1) * self.k];
            *o = support.iter().map(|&j| row[j] * u[j]).sum::<f64>() + self.hhat[i] * hu;
        }
    }
}

/// Z (n × (n−1), orthonormal columns spanning a⊥) and the particular solution x_p = β a/‖a‖².
fn null_space(a: &[f64], beta: f64) -> Result<(Vec<f64>, Vec<f64>), Error> {
    let n = a.len();
    let norm2 = dot(a, a);
    if !(norm2 > 0.0 && norm2.is_finite()) || n < 2 {
        return Err(Error::InvalidArgument {
            what: "QP equality row".into(),
            reason: "must be non-zero and finite, with at least two unknowns".into(),
        });
    }
    let norm = norm2.sqrt();
    // Householder v = a + sign(a₀)‖a‖e₀; P = I − 2vvᵀ/vᵀv maps a to ∓‖a‖e₀, so columns 1… of P
    // are orthonormal and orthogonal to a.
    let mut v = a.to_vec();
    v[0] += if a[0] >= 0.0 { norm } else { -norm };
    let vv = dot(&v, &v);
    let mut z = vec![0.0; n * (n - 1)];
    for i in 0..n {
        for j in 1..n {
            let identity = if i == j { 1.0 } else { 0.0 };
            z[i * (n - 1) + j - 1] = identity - 2.0 * v[i] * v[j] / vv;
        }
    }
    let xp = a.iter().map(|&ai| beta * ai / norm2).collect();
    Ok((z, xp))
}

fn check(found: usize, expected: usize, what: &str) -> Result<(), Error> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what: what.into(),
            expected,
            found,
        })
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A (p × q) · B (q × s), row-major.
fn mat_mul(a: &[f64], p: usize, q: usize, b: &[f64], s: usize) -> Vec<f64> {
    let mut out = vec![0.0; p * s];
    for i in 0..p {
        for l in 0..q {
            let ail = a[i * q + l];
            if ail != 0.0 {
                for j in 0..s {
                    out[i * s + j] += ail * b[l * s + j];
                }
            }
        }
    }
    out
}

/// Aᵀ (q × p) · B (p × s) for A (p × q), row-major.
fn mat_t_mul(a: &[f64], p: usize, q: usize, b: &[f64], s: usize) -> Vec<f64> {
    let mut out = vec![0.0; q * s];
    for l in 0..p {
        for i in 0..q {
            let ali = a[l * q + i];
            for j in 0..s {
                out[i * s + j] += ali * b[l * s + j];
            }
        }
    }
    out
}

/// Solves L y = b in place for the lower factor L (row-major n × n).
pub(crate) fn forward(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let s = b[i] - dot(&l[i * n..i * n + i], &b[..i]);
        b[i] = s / l[i * n + i];
    }
}

/// Solves Lᵀ x = b in place for the lower factor L (row-major n × n).
pub(crate) fn backward(l: &[f64], n: usize, b: &mut [f64]) {
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_onto_the_simplex_corner() {
        // min ½‖x − (2, −1)‖² s.t. x ≥ 0, x₀ + x₁ = 1: the answer is (1, 0) by inspection.
        let qp = InequalityQp::new(
            &[1.0, 0.0, 0.0, 1.0],
            2,
            &[1.0, 0.0, 0.0, 1.0],
            &[0.0, 0.0],
            Some((&[1.0, 1.0], 1.0)),
        )
        .unwrap();
        let mut x = [0.0; 2];
        qp.solve(&[2.0, -1.0], &mut x, &mut QpScratch::default())
            .unwrap();
        assert!((x[0] - 1.0).abs() < 1e-14 && x[1].abs() < 1e-14, "{x:?}");
    }

    #[test]
    fn inactive_constraints_leave_the_unconstrained_minimiser() {
        // H = [[2, 1], [1, 2]], g = (3, 3): x = H⁻¹g = (1, 1), and x ≥ 0 holds.
        let qp = InequalityQp::new(
            &[2.0, 1.0, 1.0, 2.0],
            2,
            &[1.0, 0.0, 0.0, 1.0],
            &[0.0, 0.0],
            None,
        )
        .unwrap();
        let mut x = [0.0; 2];
        qp.solve(&[3.0, 3.0], &mut x, &mut QpScratch::default())
            .unwrap();
        assert!(
            (x[0] - 1.0).abs() < 1e-14 && (x[1] - 1.0).abs() < 1e-14,
            "{x:?}"
        );
    }

    #[test]
    fn infeasible_constraints_are_an_error() {
        // x ≥ 1 and −x ≥ 0 cannot both hold.
        let qp = InequalityQp::new(&[1.0], 1, &[1.0, -1.0], &[1.0, 0.0], None).unwrap();
        let mut x = [0.0];
        assert!(matches!(
            qp.solve(&[0.0], &mut x, &mut QpScratch::default()),
            Err(Error::NotConverged { .. })
        ));
    }
}

#[cfg(test)]
mod reference_tests {
    //! Against SciPy's `nnls` and CVXPY/Clarabel on fixed problems (scripts/reference/csd_reference.py).
    use super::*;
    use crate::nnls::{DenseGram, nnls_gram};

    fn fixture() -> serde_json::Value {
        serde_json::from_str(include_str!("fixtures/csd_reference.json")).expect("valid JSON")
    }

    fn floats(v: &serde_json::Value) -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    }

    #[test]
    fn nnls_matches_scipy() {
        for case in fixture()["nnls"].as_array().unwrap() {
            let (rows, cols) = (
                case["rows"].as_u64().unwrap() as usize,
                case["cols"].as_u64().unwrap() as usize,
            );
            let (a, y, want) = (floats(&case["a"]), floats(&case["y"]), floats(&case["u"]));
            let mut q = vec![0.0; cols * cols];
            let mut c = vec![0.0; cols];
            for r in 0..rows {
                for i in 0..cols {
                    c[i] += a[r * cols + i] * y[r];
                    for j in 0..cols {
                        q[i * cols + j] += a[r * cols + i] * a[r * cols + j];
                    }
                }
            }
            let mut u = vec![0.0; cols];
            let info = nnls_gram(&DenseGram { q: &q, m: cols }, &c, 1e-12, 100, &mut u).unwrap();
            assert!(info.converged);
            for (g, w) in u.iter().zip(&want) {
                // Both exact active-set solutions: equal to rounding of the normal equations.
                assert!((g - w).abs() < 1e-10 * (1.0 + w.abs()), "{u:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn qp_matches_cvxpy_clarabel() {
        for case in fixture()["qp"].as_array().unwrap() {
            let n = case["n"].as_u64().unwrap() as usize;
            let (h, g, rows, bounds) = (
                floats(&case["h_matrix"]),
                floats(&case["g"]),
                floats(&case["g_rows"]),
                floats(&case["h"]),
            );
            let a = (!case["a"].is_null()).then(|| floats(&case["a"]));
            let beta = case["beta"].as_f64().unwrap_or(0.0);
            let qp =
                InequalityQp::new(&h, n, &rows, &bounds, a.as_deref().map(|a| (a, beta))).unwrap();
            let mut x = vec![0.0; n];
            qp.solve(&g, &mut x, &mut QpScratch::default()).unwrap();
            let want = floats(&case["x"]);
            // Clarabel stops at gap 1e-12; the exact LDP solution agrees to ≈1e-9 (measured
            // 1e-10 to 1e-9 here).
            for (got, w) in x.iter().zip(&want) {
                assert!(
                    (got - w).abs() < 1e-7 * (1.0 + w.abs()),
                    "{x:?} vs {want:?}"
                );
            }
            let objective = 0.5
                * (0..n)
                    .map(|i| x[i] * dot(&h[i * n..(i + 1) * n], &x))
                    .sum::<f64>()
                - dot(&g, &x);
            let want_obj = case["objective"].as_f64().unwrap();
            assert!(
                objective <= want_obj + 1e-9 * want_obj.abs().max(1.0),
                "{objective} vs {want_obj}"
            );
            for (i, &b) in bounds.iter().enumerate() {
                assert!(dot(&rows[i * n..(i + 1) * n], &x) >= b - 1e-10, "row {i}");
            }
        }
    }
}

//! Tournier et al. 2007's constrained super-resolved spherical deconvolution: iteratively penalise the FOD amplitudes below a threshold.

use super::model::{TournierOptions, laplace_beltrami_weights};
use crate::linalg::{cholesky_in_place, cholesky_solve};
use crate::nnls::NnlsInfo;
use crate::{Error, real_sh_count};
use std::f64::consts::PI;

/// The voxel-independent part of Tournier's CSD (Tournier, Calamante & Connelly 2007,
/// NeuroImage 35:1459, doi:10.1016/j.neuroimage.2007.02.016, eq. 4): with A the design matrix,
/// L the SH basis on the positivity directions and S the set of directions where the current FOD
/// is below τ times the mean amplitude of the initial (order-4, unconstrained) estimate,
///
/// $$ \min_c \lVert A c - y\rVert^2 + \lambda_{LB}\,c^\top R c + \lambda^2 \lVert L_S c\rVert^2 $$
///
/// solved in closed form, S updated, until S no longer changes (at most `max_iter` times). With
/// the unity constraint, $c_{00} = 1/(2\sqrt\pi)$ is fixed and the others are solved for the
/// remaining residual (Dmipy 1.0.5 instead drops the $c_{00}$ of an unconstrained solve, which is
/// not the constrained minimiser). λ is applied as given (Dmipy), not rescaled (DIPY, MRtrix).
#[derive(Debug, Clone)]
pub(crate) struct TournierSolver {
    p: usize,
    n: usize,
    design: Vec<f64>,
    /// AᵀA + λ_LB R.
    normal: Vec<f64>,
    positivity: Vec<f64>,
    options: TournierOptions,
    unity: bool,
    /// Cholesky factor of A₄ᵀA₄ (the initial estimate's normal matrix), n₄ × n₄.
    init_chol: Vec<f64>,
    n4: usize,
}

impl TournierSolver {
    /// Precomputes the normal matrices. Errors for an initial order above the FOD's or a design
    /// whose initial columns are rank-deficient.
    pub(crate) fn new(
        design: &[f64],
        n: usize,
        positivity: Vec<f64>,
        sh_order: usize,
        lambda_lb: f64,
        unity: bool,
        options: TournierOptions,
    ) -> Result<Self, Error> {
        let p = real_sh_count(sh_order);
        if options.init_sh_order > sh_order || !options.init_sh_order.is_multiple_of(2) {
            return Err(Error::InvalidArgument {
                what: "init_sh_order".into(),
                reason: format!("must be even and ≤ sh_order {sh_order}"),
            });
        }
        let n4 = real_sh_count(options.init_sh_order);
        let mut normal = vec![0.0; p * p];
        for r in 0..n {
            let row = &design[r * p..(r + 1) * p];
            for i in 0..p {
                for j in 0..p {
                    normal[i * p + j] += row[i] * row[j];
                }
            }
        }
        let mut init_chol: Vec<f64> = (0..n4 * n4)
            .map(|k| normal[(k / n4) * p + k % n4])
            .collect();
        for (j, w) in laplace_beltrami_weights(sh_order).iter().enumerate() {
            normal[j * p + j] += lambda_lb * w;
        }
        if !cholesky_in_place(&mut init_chol, n4) {
            return Err(Error::InvalidArgument {
                what: "Tournier07 initial estimate".into(),
                reason: format!(
                    "the order-{} design is rank-deficient on this scheme",
                    options.init_sh_order
                ),
            });
        }
        Ok(Self {
            p,
            n,
            design: design.to_vec(),
            normal,
            positivity,
            options,
            unity,
            init_chol,
            n4,
        })
    }

    /// Deconvolves one normalised signal `y` into FOD coefficients `c`; the info's `iterations`
    /// counts penalty updates and `converged` says whether S stopped changing.
    pub(crate) fn solve(&self, y: &[f64], c: &mut [f64]) -> Result<NnlsInfo, Error> {
        let p = self.p;
        let mut aty = vec![0.0; p];
        for (r, &yr) in y.iter().enumerate().take(self.n) {
            for (a, &d) in aty.iter_mut().zip(&self.design[r * p..(r + 1) * p]) {
                *a += d * yr;
            }
        }
        let c00 = 1.0 / (2.0 * PI.sqrt());
        c.fill(0.0);
        // Initial estimate: unconstrained least squares at the initial order.
        let mut init = aty[..self.n4].to_vec();
        cholesky_solve(&self.init_chol, self.n4, &mut init);
        c[..self.n4].copy_from_slice(&init);
        if self.unity {
            c[0] = c00;
        }
        // Mean amplitude of the initial FOD: Y₀₀ c₀₀ = c₀₀ / (2√π).
        let threshold = self.options.tau * c[0] / (2.0 * PI.sqrt());
        let mut below = self.below(c, threshold);
        // The penalised normal matrix is kept across iterations and updated only for the
        // directions that changed side (usually a few); only its lower triangle is read.
        let lambda2 = self.options.lambda_pos * self.options.lambda_pos;
        let rows = |k: usize| &self.positivity[k * p..(k + 1) * p];
        let mut penalised = self.normal.clone();
        for k in (0..below.len()).filter(|&k| below[k]) {
            add_outer_lower(&mut penalised, rows(k), lambda2);
        }
        let mut q = vec![0.0; p * p];
        let mut info = NnlsInfo::default();
        for _ in 0..self.options.max_iter {
            info.iterations += 1;
            q.copy_from_slice(&penalised);
            self.solve_normal(&mut q, &aty, c00, c)?;
            let next = self.below(c, threshold);
            if next == below {
                info.converged = true;
                break;
            }
            for k in (0..next.len()).filter(|&k| next[k] != below[k]) {
                let w = if next[k] { lambda2 } else { -lambda2 };
                add_outer_lower(&mut penalised, rows(k), w);
            }
            below = next;
        }
        Ok(info)
    }

    /// Solves Q c = Aᵀy (with c₀₀ fixed under unity) in place of c; Q is overwritten.
    fn solve_normal(
        &self,
        q: &mut [f64],
        aty: &[f64],
        c00: f64,
        c: &mut [f64],
    ) -> Result<(), Error> {
        let p = self.p;
        let failed = || Error::NotConverged {
            what: "Tournier07 CSD".into(),
            detail: "the penalised normal matrix is not positive definite".into(),
        };
        if self.unity {
            let r = p - 1;
            let mut sub: Vec<f64> = (0..r * r).map(|k| q[(k / r + 1) * p + k % r + 1]).collect();
            let mut rhs: Vec<f64> = (1..p).map(|i| aty[i] - q[i * p] * c00).collect();
            if !cholesky_in_place(&mut sub, r) {
                return Err(failed());
            }
            cholesky_solve(&sub, r, &mut rhs);
            c[0] = c00;
            c[1..].copy_from_slice(&rhs);
        } else {
            if !cholesky_in_place(q, p) {
                return Err(failed());
            }
            c.copy_from_slice(aty);
            cholesky_solve(q, p, c);
        }
        Ok(())
    }

    fn below(&self, c: &[f64], threshold: f64) -> Vec<bool> {
        self.positivity
            .chunks_exact(self.p)
            .map(|row| row.iter().zip(c).map(|(a, b)| a * b).sum::<f64>() < threshold)
            .collect()
    }
}

/// $Q \mathrel{+}= w\,rr^\top$ on the lower triangle of the row-major `q` (p × p).
fn add_outer_lower(q: &mut [f64], r: &[f64], w: f64) {
    let p = r.len();
    for (i, &ri) in r.iter().enumerate() {
        let wi = w * ri;
        for (qij, &rj) in q[i * p..=i * p + i].iter_mut().zip(r) {
            *qij += wi * rj;
        }
    }
}

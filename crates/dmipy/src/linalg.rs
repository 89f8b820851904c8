//! Small dense linear algebra: Cholesky factorisation, solves and inverse diagonal (for the solver and the shell-mean fit).
//!
//! Matrices are `n × n`, row-major, in caller-owned slices; n is the number of free parameters
//! (a handful) or an SH basis size (≤ 91), so plain loops beat a general library here and nothing is allocated.

/// Factors the symmetric positive-definite `a` (row-major `n × n`) in place into its Cholesky
/// factor L (lower triangle, $A = LL^\top$; Golub & Van Loan 2013, *Matrix Computations*, 4th ed.,
/// Algorithm 4.2.1). The strict upper triangle is left as it was. Returns `false` when a pivot is
/// not positive and finite, i.e. `a` is not numerically positive definite.
pub(crate) fn cholesky_in_place(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let ljj = d.sqrt();
        a[j * n + j] = ljj;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / ljj;
        }
    }
    true
}

/// Solves $LL^\top x = b$ in place (`b` becomes x) with the factor from [`cholesky_in_place`].
pub(crate) fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Writes the diagonal of $(LL^\top)^{-1}$ into `diag`, using `column` (length n) as scratch:
/// column i of the inverse is the solution of $LL^\top x = e_i$.
pub(crate) fn cholesky_inverse_diagonal(l: &[f64], n: usize, column: &mut [f64], diag: &mut [f64]) {
    for i in 0..n {
        column.iter_mut().for_each(|c| *c = 0.0);
        column[i] = 1.0;
        cholesky_solve(l, n, column);
        diag[i] = column[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A = [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]]; its inverse computed by hand with the adjugate:
    /// det = 4(15 − 1) − 2(6 − 0.4) + 0.4(2 − 2) = 44.8.
    const A: [f64; 9] = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];

    #[test]
    fn solve_reproduces_the_right_hand_side() {
        let mut l = A;
        assert!(cholesky_in_place(&mut l, 3));
        let x_true = [1.0, -2.0, 0.5];
        let mut b = [0.0; 3];
        for i in 0..3 {
            b[i] = (0..3).map(|k| A[i * 3 + k] * x_true[k]).sum();
        }
        cholesky_solve(&l, 3, &mut b);
        for (x, t) in b.iter().zip(x_true) {
            assert!((x - t).abs() < 1e-14 * t.abs().max(1.0), "{x} vs {t}");
        }
    }

    #[test]
    fn inverse_diagonal_matches_the_adjugate() {
        let mut l = A;
        assert!(cholesky_in_place(&mut l, 3));
        let (mut col, mut d) = ([0.0; 3], [0.0; 3]);
        cholesky_inverse_diagonal(&l, 3, &mut col, &mut d);
        let det = 44.8;
        let expected = [(15.0 - 1.0) / det, (12.0 - 0.16) / det, (20.0 - 4.0) / det];
        for (x, e) in d.iter().zip(expected) {
            assert!((x - e).abs() < 1e-14 * e, "{x} vs {e}");
        }
    }

    #[test]
    fn indefinite_matrix_is_refused() {
        let mut a = [1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky_in_place(&mut a, 2));
    }
}

//! `SD2Bingham`: the Bingham distribution of orientations, its normalisation and its spherical-harmonic coefficients.

use std::sync::OnceLock;

use super::dispersion::node_table;
use super::dispersion::{DispersionCoefficients, MAX_KAPPA, MAX_ORDER, ORDERS, QUADRATURE_NODES};
use super::scaled_bessel_i::scaled_bessel_i;
use super::watson::{MEAN_ORIENTATION, ODI, checked_kappa};
use crate::{Error, ParameterKind, ParameterSpec, Scalar, unit_vector};

/// The angle ψ (rad, 0–π) of the second axis about `mu`, as Dmipy.
pub(crate) const PSI: ParameterSpec = ParameterSpec {
    name: "psi",
    unit: "rad",
    bounds: &[(0.0, std::f64::consts::PI)],
    scale: 1.0,
    kind: ParameterKind::PeriodicAngle,
};

/// β/κ (dimensionless, 0–1), as Dmipy.
pub(crate) const BETA_FRACTION: ParameterSpec = ParameterSpec {
    name: "beta_fraction",
    unit: "",
    bounds: &[(0.0, 1.0)],
    scale: 1.0,
    kind: ParameterKind::Dispersion,
};

const PARAMETERS: &[ParameterSpec] = &[MEAN_ORIENTATION, PSI, ODI, BETA_FRACTION];

/// Number of (l, m) pairs with even 0 ≤ m ≤ l ≤ [`MAX_ORDER`].
const PAIRS: usize = ORDERS * (ORDERS + 1) / 2;

/// The Bingham distribution of orientations (Bingham 1974, Ann. Statist. 2:1201–1225,
/// doi:10.1214/aos/1176342874; Mardia & Jupp 2000, Directional Statistics, §9.4.3; Tariq et al.
/// 2016, NeuroImage 133:207–223, doi:10.1016/j.neuroimage.2016.01.046; equation numbers not
/// checked here), with Dmipy 1.x's parameters:
///
/// $$ B(\mathbf n) = \frac{e^{\kappa(\boldsymbol\mu\cdot\mathbf n)^2 + \beta(\boldsymbol\nu\cdot\mathbf n)^2}}
///    {4\pi\,c(\kappa,\beta)}, \quad \kappa = 1/\tan(\mathrm{ODI}\,\pi/2),\ \beta = \kappa\cdot
///    \text{beta\_fraction}, $$
///
/// ν ⊥ μ the second axis: Dmipy's `R(θ, φ, ψ)·(0, 1, 0)`, the minimal rotation taking x̂ to μ
/// applied to ŷ turned by ψ about x̂. A density in 1/sr. The normalisation is exact (no spline):
/// integrating the azimuth about μ in closed form (DLMF 10.32.3),
/// $c = \int_0^1 e^{\kappa t^2 + \beta(1-t^2)/2} I_0(\beta(1-t^2)/2)\,dt$, by 128-point
/// Gauss–Legendre in t, computed as $e^{\kappa}\int_0^1 e^{-(\kappa-\beta)(1-t^2)}\tilde I_0\,dt$
/// with $\tilde I_j(x) = e^{-x}I_j(x)$ so nothing overflows.
///
/// Parameters, in order: `mu = [θ, φ]` (rad), `psi` (rad, 0–π), `odi` (0.02–0.99),
/// `beta_fraction` (0–1).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SD2Bingham;

impl SD2Bingham {
    /// The Dmipy 1.x class name.
    pub const NAME: &'static str = "SD2Bingham";

    /// The parameter table: `mu`, `psi`, `odi`, `beta_fraction`.
    pub fn parameters(&self) -> &'static [ParameterSpec] {
        PARAMETERS
    }

    /// The density B(n) (1/sr) at unit vector `n` for `params = [θ, φ, ψ, odi, beta_fraction]`.
    /// Errors when `params` has not 5 values, odi is outside (0, 1] with κ ≤ [`MAX_KAPPA`], or
    /// beta_fraction is outside [0, 1].
    pub fn pdf<D: Scalar>(&self, params: &[D], n: &[f64; 3]) -> Result<D, Error> {
        let (frame, kappa, beta) = checked(params)?;
        let mut f = [D::zero(); QUADRATURE_NODES];
        azimuthal_integrals(kappa, beta, 1, &mut f);
        let norm = node_table()
            .rule
            .weights()
            .iter()
            .zip(&f)
            .fold(D::zero(), |acc, (&w, &v)| acc + v * w);
        let c1 = dot(&frame[0], n);
        let c2 = dot(&frame[1], n);
        let exponent = kappa * (c1 * c1 - 1.0) + beta * c2 * c2;
        Ok(exponent.exp() / (norm * (4.0 * std::f64::consts::PI)))
    }
}

fn dot<D: Scalar>(a: &[D; 3], b: &[f64; 3]) -> D {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Dmipy's frame: μ, ν = R(θ, φ, ψ)·ŷ and ρ = μ × ν. With μ = (x, y, z) the minimal rotation
/// x̂ → μ sends ŷ to (−y, 1 − y²/(1+x), −yz/(1+x)) and ẑ to (−z, −yz/(1+x), 1 − z²/(1+x))
/// (Dmipy's matrix with y² + z² = 1 − x² cancelled); ν = cos ψ·Rŷ + sin ψ·Rẑ. At μ = −x̂ the
/// rotation is undefined (Dmipy divides by zero); there we take the limit along y = 0, a half
/// turn about ẑ.
fn frame<D: Scalar>(theta: D, phi: D, psi: D) -> [[D; 3]; 3] {
    let mu = unit_vector(theta, phi);
    let [x, y, z] = mu;
    let (ry, rz) = if (x.re() + 1.0).abs() > 1e-15 {
        let s = (x + 1.0).recip();
        (
            [-y, D::one() - y * y * s, -y * z * s],
            [-z, -y * z * s, D::one() - z * z * s],
        )
    } else {
        (
            [D::zero(), -D::one(), D::zero()],
            [D::zero(), D::zero(), D::one()],
        )
    };
    let (sp, cp) = psi.sin_cos();
    let nu: [D; 3] = std::array::from_fn(|i| ry[i] * cp + rz[i] * sp);
    let rho = [
        mu[1] * nu[2] - mu[2] * nu[1],
        mu[2] * nu[0] - mu[0] * nu[2],
        mu[0] * nu[1] - mu[1] * nu[0],
    ];
    [mu, nu, rho]
}

/// $\sqrt{4\pi}\,N_{lm}P_l^m(t)/\sin^m\theta$ scaled by √2 for m > 0, for every even m ≤ l ≤ L:
/// the polynomial part of the orthonormal real harmonic $\sqrt2 N_{lm}P_l^m\cos m\varphi$, by the
/// normalised recurrence $p_l = a_l(t\,p_{l-1} - p_{l-2}/a_{l-1})$, $a_l = \sqrt{(4l^2-1)/(l^2-m^2)}$,
/// from $p_m = \prod_{k\le m}\sqrt{(2k+1)/(2k)}$ (DLMF 14.10.3 and 14.7.15 normalised; even m, so
/// the Condon–Shortley sign is +1). Calls `visit(pair_index, l, m, value)` in the order of [`pair_index`].
fn harmonic_polynomials<D: Scalar>(
    t: D,
    orders: usize,
    mut visit: impl FnMut(usize, usize, usize, D),
) {
    let lmax = 2 * (orders - 1);
    let mut diagonal = 1.0f64;
    for m in (0..=lmax).step_by(2) {
        if m > 0 {
            for k in m - 1..=m {
                diagonal *= ((2 * k + 1) as f64 / (2 * k) as f64).sqrt();
            }
        }
        let start = if m > 0 {
            diagonal * 2f64.sqrt()
        } else {
            diagonal
        };
        let (mut previous, mut current) = (D::zero(), D::from(start));
        let mut a_previous = 1.0;
        for l in m..=lmax {
            if l > m {
                let a = (((4 * l * l - 1) as f64) / ((l * l - m * m) as f64)).sqrt();
                let next = (t * current - previous / a_previous) * a;
                previous = current;
                current = next;
                a_previous = a;
            }
            if l.is_multiple_of(2) {
                visit(pair_index(l, m), l, m, current);
            }
        }
    }
}

/// Index of the even pair (l, m), m ≤ l, grouped by m: all l for m = 0, then m = 2, ….
fn pair_index(l: usize, m: usize) -> usize {
    let (j, i) = (l / 2, m / 2);
    i * ORDERS - i * i.saturating_sub(1) / 2 + (j - i)
}

/// At the quadrature nodes t_i: $w_i\,\sqrt{4\pi}\,Y^c_{lm}$-polynomial × $(1-t_i^2)^{m/2}$, one row per
/// pair, built once.
fn node_harmonics() -> &'static [f64] {
    static TABLE: OnceLock<Vec<f64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let rule = &node_table().rule;
        let mut table = vec![0.0; PAIRS * QUADRATURE_NODES];
        for (i, (&t, &w)) in rule.nodes().iter().zip(rule.weights()).enumerate() {
            let s2 = 1.0 - t * t;
            harmonic_polynomials(t, ORDERS, |pair, _, m, p| {
                table[pair * QUADRATURE_NODES + i] = w * p * s2.powi(m as i32 / 2);
            });
        }
        table
    })
}

/// The m of a pair index.
fn pair_m(pair: usize) -> usize {
    let mut i = 0;
    let mut start = 0;
    while start + (ORDERS - i) <= pair {
        start += ORDERS - i;
        i += 1;
    }
    2 * i
}

/// A Bingham distribution prepared for dispersing kernels: its frame (μ, ν, ρ) and its real
/// spherical-harmonic coefficients in that frame,
/// $b_{lm} = \oint B(\mathbf n)\,Y^c_{lm}(\mathbf n')\,d\mathbf n$ for even l and even m ≥ 0
/// (the only ones B's symmetries leave; stored times √(4π)), with $Y^c_{lm} = \sqrt2 N_{lm}P_l^m(\cos\theta')\cos m\varphi'$
/// orthonormal (θ' from μ, φ' from ν). The azimuth integral is closed-form (DLMF 10.32.3):
/// $b_{lm} = \int_0^1 F_{m/2}(t)\,S_{lm}(t)\,dt / \int_0^1 F_0(t)\,dt$ with
/// $F_j = e^{-(\kappa-\beta)(1-t^2)}\tilde I_j(\beta(1-t^2)/2)$ and $S_{lm}$ the θ part of
/// $Y^c_{lm}$, by the 128-point Gauss–Legendre rule in t.
///
/// By the addition theorem and Funk–Hecke the dispersed signal is
/// $E(\mathbf g) = \sum_l 4\pi\tilde k_l \sum_m b_{lm} Y^c_{lm}(\mathbf g')$, g' = g in the frame.
/// Holds its coefficients in one heap buffer (allocated once per call of [`new`](Self::new)).
#[derive(Debug, Clone)]
pub struct BinghamCoefficients<D> {
    frame: [[D; 3]; 3],
    coefficients: Vec<D>,
    bounds: [f64; ORDERS],
}

impl<D: Scalar> BinghamCoefficients<D> {
    /// The coefficients of the Bingham distribution `params = [θ, φ, ψ, odi, beta_fraction]`.
    /// Errors as [`SD2Bingham::pdf`].
    pub fn new(params: &[D]) -> Result<Self, Error> {
        let (frame, kappa, beta) = checked(params)?;
        let rule = &node_table().rule;
        let mut f = vec![D::zero(); QUADRATURE_NODES * ORDERS];
        azimuthal_integrals(kappa, beta, ORDERS, &mut f);
        let table = node_harmonics();
        let mut coefficients = vec![D::zero(); PAIRS];
        let mut norm = D::zero();
        for (i, &w) in rule.weights().iter().enumerate() {
            norm += f[i * ORDERS] * w;
        }
        let mut bounds = [0.0; ORDERS];
        for (pair, c) in coefficients.iter_mut().enumerate() {
            let j = pair_m(pair) / 2;
            let row = &table[pair * QUADRATURE_NODES..(pair + 1) * QUADRATURE_NODES];
            let mut acc = D::zero();
            for (i, &s) in row.iter().enumerate() {
                acc += f[i * ORDERS + j] * s;
            }
            *c = acc / norm;
            let l = pair_l(pair);
            bounds[l / 2] += c.re() * c.re();
        }
        for (j, b) in bounds.iter_mut().enumerate() {
            // |Σ_m b_lm Y_lm| ≤ ‖b_l‖ √((2l+1)/4π) (Cauchy–Schwarz and the addition theorem);
            // the stored coefficients are √(4π) b_lm.
            *b = (*b * (4 * j + 1) as f64).sqrt();
        }
        Ok(Self {
            frame,
            coefficients,
            bounds,
        })
    }

    /// The coefficient $b_{lm}$ (even l, even m ≤ l, l ≤ [`MAX_ORDER`]).
    pub fn coefficient(&self, l: usize, m: usize) -> Option<D> {
        (l.is_multiple_of(2) && m.is_multiple_of(2) && m <= l && l <= MAX_ORDER)
            .then(|| self.coefficients[pair_index(l, m)])
    }
}

/// Frame, κ and β of `params = [θ, φ, ψ, odi, beta_fraction]`, checked.
#[allow(clippy::type_complexity)]
fn checked<D: Scalar>(params: &[D]) -> Result<([[D; 3]; 3], D, D), Error> {
    let &[theta, phi, psi, odi, fraction] = params else {
        return Err(Error::ParameterCount {
            model: SD2Bingham::NAME.into(),
            expected: 5,
            found: params.len(),
        });
    };
    if !(0.0..=1.0).contains(&fraction.re()) {
        return Err(Error::InvalidArgument {
            what: "beta_fraction".into(),
            reason: format!("must lie in [0, 1], got {}", fraction.re()),
        });
    }
    let kappa = checked_kappa(odi, MAX_KAPPA)?;
    Ok((frame(theta, phi, psi), kappa, kappa * fraction))
}

/// $F_j(t_i) = e^{-(\kappa-\beta)(1-t_i^2)}\tilde I_j(\beta(1-t_i^2)/2)$ at every node, j < `orders`,
/// node-major into `out` (length nodes × orders): the azimuthal integral of the Bingham
/// numerator against cos(2jφ), over 2π e^κ (DLMF 10.32.3).
fn azimuthal_integrals<D: Scalar>(kappa: D, beta: D, orders: usize, out: &mut [D]) {
    for (i, &t) in node_table().rule.nodes().iter().enumerate() {
        let s2 = 1.0 - t * t;
        let row = &mut out[i * orders..(i + 1) * orders];
        scaled_bessel_i(beta * (0.5 * s2), row);
        let damping = ((beta - kappa) * s2).exp();
        row.iter_mut().for_each(|v| *v *= damping);
    }
}

/// The l of a pair index.
fn pair_l(pair: usize) -> usize {
    let i = pair_m(pair) / 2;
    let start = i * ORDERS - i * i.saturating_sub(1) / 2;
    2 * (pair - start + i)
}

impl<D: Scalar> DispersionCoefficients<D> for BinghamCoefficients<D> {
    fn order_count(&self) -> usize {
        ORDERS
    }

    fn order_bound(&self, j: usize) -> f64 {
        self.bounds[j]
    }

    fn evaluate(&self, kernel_moments: &[D], g: &[f64; 3]) -> D {
        let orders = kernel_moments.len();
        let t = dot(&self.frame[0], g);
        let (x, y) = (dot(&self.frame[1], g), dot(&self.frame[2], g));
        // Re (x + iy)^m for even m, built by repeated multiplication with (x + iy)².
        let (z2_re, z2_im) = (x * x - y * y, x * y * 2.0);
        let mut power = (D::one(), D::zero());
        let mut sum = D::zero();
        let mut last_m = 0;
        harmonic_polynomials(t, orders, |pair, l, m, p| {
            while last_m < m {
                power = (
                    power.0 * z2_re - power.1 * z2_im,
                    power.0 * z2_im + power.1 * z2_re,
                );
                last_m += 2;
            }
            sum += kernel_moments[l / 2] * self.coefficients[pair] * p * power.0;
        });
        // Both factors carry √(4π): their product is the 4π of Σ_l 4π k̃_l Σ_m b_lm Y_lm.
        sum
    }
}

//! The dispersion engine: an axially symmetric kernel convolved with an orientation distribution, one group of equal pulses at a time.

use std::sync::OnceLock;

use crate::{AcquisitionScheme, AxiallySymmetric, Error, HalfRangeGaussLegendre, Pulse, Scalar};

/// Highest (even) Legendre order of every expansion here.
///
/// With `QUADRATURE_NODES` it keeps the truncation and quadrature errors of the dispersed signal
/// below 1e-8 relative for κ ≤ [`MAX_KAPPA`] and kernels as sharp as a stick at b·λ∥ = 60
/// (b = 20e9 s/m², λ∥ = 3e-9 m²/s): the product of kernel and distribution coefficients falls below
/// 1e-10 of the first by l ≈ 60 there (measured, see the tests).
pub const MAX_ORDER: usize = 96;

/// Number of even orders 0, 2, …, [`MAX_ORDER`].
pub(crate) const ORDERS: usize = MAX_ORDER / 2 + 1;

/// Half-range Gauss–Legendre nodes on (0, 1] for the kernel and distribution coefficients: a
/// 128-point rule, exact for polynomials of degree < 256. Its error on the Watson coefficients is
/// ≤ 2e-11 for κ ≤ 128 (and 0.2 at κ = 128 with 32 nodes), on e^{-βt²}·P_l ≤ 2e-14 for β ≤ 60.
pub(crate) const QUADRATURE_NODES: usize = 64;

/// Largest concentration κ the engine accepts (ODI ≥ 0.00497): beyond it the 128-point rule no
/// longer resolves the distribution to 1e-10.
pub const MAX_KAPPA: f64 = 128.0;

/// Terms below this fraction of the leading one are dropped from a group's series.
const TRUNCATION: f64 = 1e-15;

/// The quadrature rule and the table $w_i P_l(t_i)$ for every even l ≤ [`MAX_ORDER`], built once.
pub(crate) struct NodeTable {
    /// The rule (nodes t_i in (0, 1), weights w_i summing to 1).
    pub rule: HalfRangeGaussLegendre,
    /// `weighted_legendre[l/2 * QUADRATURE_NODES + i]` = $w_i P_l(t_i)$.
    pub weighted_legendre: Vec<f64>,
}

/// The shared [`NodeTable`].
pub(crate) fn node_table() -> &'static NodeTable {
    static TABLE: OnceLock<NodeTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let rule = HalfRangeGaussLegendre::new(QUADRATURE_NODES);
        let mut weighted_legendre = vec![0.0; ORDERS * QUADRATURE_NODES];
        for (i, (&t, &w)) in rule.nodes().iter().zip(rule.weights()).enumerate() {
            // P_l(t) by Bonnet's recurrence (DLMF 18.9.1), keeping the even orders.
            let (mut previous, mut current) = (1.0, t);
            weighted_legendre[i] = w;
            for l in 2..=MAX_ORDER {
                let k = (l - 1) as f64;
                let next = ((2.0 * k + 1.0) * t * current - k * previous) / l as f64;
                previous = current;
                current = next;
                if l.is_multiple_of(2) {
                    weighted_legendre[l / 2 * QUADRATURE_NODES + i] = w * current;
                }
            }
        }
        NodeTable {
            rule,
            weighted_legendre,
        }
    })
}

/// $\sum_i w_i f(t_i) P_l(t_i) \approx \int_0^1 f(t) P_l(t)\,dt$ for the even orders l = 0, 2, …,
/// written to `out` (one per order, `out.len()` ≤ `ORDERS`), from f at the nodes of the table.
pub(crate) fn legendre_moments<D: Scalar>(at_nodes: &[D], out: &mut [D]) {
    let table = node_table();
    for (j, o) in out.iter_mut().enumerate() {
        let row = &table.weighted_legendre[j * QUADRATURE_NODES..(j + 1) * QUADRATURE_NODES];
        *o = row
            .iter()
            .zip(at_nodes)
            .fold(D::zero(), |acc, (&wp, &f)| acc + f * wp);
    }
}

/// An orientation distribution reduced to what the dispersion of a zonal kernel needs.
///
/// By the Funk–Hecke theorem, a kernel $K(\mathbf g\cdot\mathbf n)$ with Legendre expansion
/// $K(t) = \sum_l (2l+1)\,\tilde k_l P_l(t)$, $\tilde k_l = \int_0^1 K(t)P_l(t)\,dt$ (even l, K even),
/// dispersed by a density P on the sphere gives
/// $E(\mathbf g) = \int_{S^2} P(\mathbf n)K(\mathbf g\cdot\mathbf n)\,d\mathbf n
/// = \sum_l (2l+1)\tilde k_l \int_{S^2}P(\mathbf n)P_l(\mathbf g\cdot\mathbf n)\,d\mathbf n$
/// (Funk–Hecke: e.g. Groemer 1996, Geometric Applications of Fourier Series and Spherical
/// Harmonics, Theorem 3.4.1, not checked here). Implementors evaluate that sum.
pub trait DispersionCoefficients<D: Scalar> {
    /// Number of even orders l = 0, 2, … the distribution's expansion holds (≤ `ORDERS`).
    fn order_count(&self) -> usize;

    /// A bound on $|\int P(\mathbf n) P_l(\mathbf g\cdot\mathbf n)\,d\mathbf n|\,(2l+1)$ over all
    /// g, for order index `j` (l = 2j), used only to truncate a group's series.
    fn order_bound(&self, j: usize) -> f64;

    /// $\sum_{j} (2l+1)\,\tilde k_{2j} \int P(\mathbf n) P_{2j}(\mathbf g\cdot\mathbf n)\,d\mathbf n$
    /// for the kernel moments `kernel_moments` (one per order, possibly fewer than
    /// [`order_count`](Self::order_count)) and gradient direction `g`.
    fn evaluate(&self, kernel_moments: &[D], g: &[f64; 3]) -> D;
}

/// Adds `weight` × the dispersed signal of `kernel` to every entry of `out` (one per measurement).
///
/// The kernel is evaluated at the quadrature nodes once per group of measurements with exactly
/// equal b, δ, Δ and TE ([`AcquisitionScheme::pulse_groups`]), so every measurement gets the kernel
/// of its own b-value. Dmipy 1.x evaluates it at the shell's mean b instead, which is off by up to
/// 3e-3 where a scanner's b-values jitter within a shell. Its Legendre moments are formed once per
/// group, the series is cut where the remaining terms fall below 1e-15 of the first, and the
/// distribution evaluates it at each gradient direction. `kernel_params` is the kernel's own parameter slice (its `mu` is ignored).
///
/// Errors when `out` is not one per measurement or the kernel lacks a scheme field.
pub fn disperse_add<D, K, C>(
    distribution: &C,
    kernel: &K,
    kernel_params: &[D],
    scheme: &AcquisitionScheme,
    weight: D,
    out: &mut [D],
) -> Result<(), Error>
where
    D: Scalar,
    K: AxiallySymmetric,
    C: DispersionCoefficients<D>,
{
    if out.len() != scheme.len() {
        return Err(Error::LengthMismatch {
            what: "dispersed-signal buffer".into(),
            expected: scheme.len(),
            found: out.len(),
        });
    }
    let table = node_table();
    let count = distribution.order_count().min(ORDERS);
    let mut at_nodes = [D::zero(); QUADRATURE_NODES];
    let mut moments = [D::zero(); ORDERS];
    for group in scheme.pulse_groups() {
        let pulse = Pulse::of_shell(group);
        for (v, &t) in at_nodes.iter_mut().zip(table.rule.nodes()) {
            *v = kernel.axial_signal(&pulse, D::from(t), kernel_params)?;
        }
        legendre_moments(&at_nodes, &mut moments[..count]);
        let used = significant_orders(distribution, &moments[..count]);
        for &i in &group.indices {
            let g = scheme.directions()[i];
            out[i] += weight * distribution.evaluate(&moments[..used], &g);
        }
    }
    Ok(())
}

/// Number of leading orders whose terms reach 1e-15 of the largest term (real parts only).
fn significant_orders<D: Scalar, C: DispersionCoefficients<D>>(dist: &C, moments: &[D]) -> usize {
    let terms = || {
        moments
            .iter()
            .enumerate()
            .map(|(j, k)| k.re().abs() * dist.order_bound(j))
    };
    let largest = terms().fold(0.0, f64::max);
    terms()
        .enumerate()
        .filter(|&(_, t)| t > TRUNCATION * largest)
        .map(|(j, _)| j + 1)
        .last()
        .unwrap_or(1)
}

/// $\sum_{j} c_j P_{2j}(x)$ by Bonnet's recurrence $(l+1)P_{l+1} = (2l+1)xP_l - lP_{l-1}$
/// (DLMF 18.9.1), which is stable for |x| ≤ 1.
pub(crate) fn even_legendre_series<D: Scalar>(coefficients: &[D], x: D) -> D {
    let Some((&first, rest)) = coefficients.split_first() else {
        return D::zero();
    };
    let mut sum = first;
    let (mut previous, mut current) = (D::one(), x);
    for (j, &c) in rest.iter().enumerate() {
        let l = 2 * j + 1; // current holds P_l
        let even = (current * x * (2 * l + 1) as f64 - previous * l as f64) / (l + 1) as f64;
        let odd = (even * x * (2 * l + 3) as f64 - current * (l + 1) as f64) / (l + 2) as f64;
        sum += c * even;
        previous = even;
        current = odd;
    }
    sum
}

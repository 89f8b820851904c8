//! Test helpers for the distributions: dense-sphere quadrature, finite differences, the Dmipy fixture.

use crate::{AxiallySymmetric, HalfRangeGaussLegendre, Pulse, unit_vector};

pub use crate::compartments::test_support::{
    assert_derivatives, fibonacci_directions as fibonacci, rel,
};

/// A dense product rule on the sphere around the pole `axis`: `polar` Gauss–Legendre nodes in
/// u = cos α (mirrored from the half-range rule) × `azimuth` trapezoid points in β; returns
/// (unit vector, weight) pairs whose weights sum to 4π.
pub fn dense_sphere(axis: [f64; 3], polar: usize, azimuth: usize) -> Vec<([f64; 3], f64)> {
    let (e1, e2) = perpendicular_pair(axis);
    let rule = HalfRangeGaussLegendre::new(polar / 2);
    let mut points = Vec::with_capacity(polar * azimuth);
    for (&t, &w) in rule.nodes().iter().zip(rule.weights()) {
        for u in [t, -t] {
            let s = (1.0 - u * u).sqrt();
            for k in 0..azimuth {
                let (sb, cb) = (2.0 * std::f64::consts::PI * k as f64 / azimuth as f64).sin_cos();
                let n = std::array::from_fn(|i| u * axis[i] + s * (cb * e1[i] + sb * e2[i]));
                points.push((n, w * 2.0 * std::f64::consts::PI / azimuth as f64));
            }
        }
    }
    points
}

/// Two unit vectors completing `axis` to an orthonormal frame.
fn perpendicular_pair(a: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let helper = if a[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let d = helper[0] * a[0] + helper[1] * a[1] + helper[2] * a[2];
    let mut e1: [f64; 3] = std::array::from_fn(|i| helper[i] - d * a[i]);
    let norm = (e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]).sqrt();
    e1.iter_mut().for_each(|x| *x /= norm);
    let e2 = [
        a[1] * e1[2] - a[2] * e1[1],
        a[2] * e1[0] - a[0] * e1[2],
        a[0] * e1[1] - a[1] * e1[0],
    ];
    (e1, e2)
}

/// $\oint P(\mathbf n) K(\mathbf g\cdot\mathbf n)\,d\mathbf n$ on the points of [`dense_sphere`].
pub fn brute_force<K: AxiallySymmetric>(
    points: &[([f64; 3], f64)],
    pdf_values: &[f64],
    kernel: &K,
    kernel_params: &[f64],
    pulse: &Pulse,
    g: &[f64; 3],
) -> f64 {
    // The dispersion engine takes gradient directions as unit vectors (schemes accept them within
    // 1e-3 of unit length); so does this reference.
    let norm = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt();
    let g = [g[0] / norm, g[1] / norm, g[2] / norm];
    points
        .iter()
        .zip(pdf_values)
        .map(|((n, w), p)| {
            let c = n[0] * g[0] + n[1] * g[1] + n[2] * g[2];
            w * p
                * kernel
                    .axial_signal(pulse, c, kernel_params)
                    .expect("kernel")
        })
        .sum()
}

/// The unit vector of `mu = [θ, φ]` in f64.
pub fn axis(theta: f64, phi: f64) -> [f64; 3] {
    unit_vector(theta, phi)
}

/// One case of the Dmipy fixture: parameters by Dmipy name and the values Dmipy gave.
#[derive(serde::Deserialize)]
pub struct Case {
    pub params: std::collections::HashMap<String, serde_json::Value>,
    #[serde(default)]
    pub signal: Vec<f64>,
    #[serde(default)]
    pub pdf: Vec<f64>,
}

impl Case {
    /// The values of parameter `name` (one or two numbers).
    pub fn get(&self, name: &str) -> Vec<f64> {
        match &self.params[name] {
            serde_json::Value::Array(a) => a.iter().map(|v| v.as_f64().expect("number")).collect(),
            v => vec![v.as_f64().expect("number")],
        }
    }
}

/// The fixture written by scripts/reference/dmipy1_dispersion.py.
#[derive(serde::Deserialize)]

pub struct Fixture {
    pub bvalues: Vec<f64>,
    pub pdf_directions: Vec<[f64; 3]>,
    pub watson_pdf: Vec<Case>,
    pub bingham_pdf: Vec<Case>,
    pub watson_stick: Vec<Case>,
    pub watson_stick_zeppelin: Vec<Case>,
    pub bingham_stick: Vec<Case>,
}

/// The parsed fixture.
pub fn fixture() -> Fixture {
    serde_json::from_str(include_str!("../../tests/fixtures/dmipy1_dispersion.json"))
        .expect("fixture is valid JSON")
}

//! The scalar every signal function is generic over: `f64` for values, dual numbers for derivatives.

use num_dual::DualNum;

/// A real number or a forward-mode dual number built on `f64`.
///
/// Signal functions are written once as `fn signal<D: Scalar>(…)`: with `D = f64` they give values,
/// with `D = num_dual::Dual64` (or a vector dual) they give exact derivatives by the chain rule.
pub trait Scalar: DualNum<Primitive = f64> + Copy + Send + Sync {}

impl<T: DualNum<Primitive = f64> + Copy + Send + Sync> Scalar for T {}

/// Unit vector `(sinθ cosφ, sinθ sinφ, cosθ)` of the Dmipy orientation `mu = [θ, φ]` (radians).
pub fn unit_vector<D: Scalar>(theta: D, phi: D) -> [D; 3] {
    let (st, ct) = theta.sin_cos();
    let (sp, cp) = phi.sin_cos();
    [st * cp, st * sp, ct]
}

/// Dot product of a scalar-typed vector with a fixed `f64` direction.
pub fn dot<D: Scalar>(a: &[D; 3], b: &[f64; 3]) -> D {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_dual::Dual64;

    #[test]
    fn unit_vector_matches_spherical_convention() {
        let v = unit_vector(std::f64::consts::FRAC_PI_2, 0.0);
        assert!((v[0] - 1.0).abs() < 1e-15 && v[1].abs() < 1e-15 && v[2].abs() < 1e-15);
        let z = unit_vector(0.0, 1.3);
        assert_eq!(z[2], 1.0);
    }

    #[test]
    fn dual_derivative_of_z_component_is_minus_sin_theta() {
        let theta = Dual64::from(0.7).derivative();
        let v = unit_vector(theta, Dual64::from(0.2));
        assert!((v[2].eps + 0.7f64.sin()).abs() < 1e-15);
        assert!((v[2].re - 0.7f64.cos()).abs() < 1e-15);
    }
}

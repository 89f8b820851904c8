//! Three-vectors as `[f64; 3]` and the few operations the walker needs.

/// A point or direction in metres (or a unit vector).
pub type Vec3 = [f64; 3];

#[inline]
pub(crate) fn dot(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[inline]
pub(crate) fn add_scaled(a: Vec3, s: f64, b: Vec3) -> Vec3 {
    [a[0] + s * b[0], a[1] + s * b[1], a[2] + s * b[2]]
}

#[inline]
pub(crate) fn scale(s: f64, a: Vec3) -> Vec3 {
    [s * a[0], s * a[1], s * a[2]]
}

#[inline]
pub(crate) fn norm(a: Vec3) -> f64 {
    dot(a, a).sqrt()
}

/// Elastic (specular) reflection of direction `u` on a surface of unit normal `n`: u − 2(u·n)n.
#[inline]
pub(crate) fn reflect(u: Vec3, n: Vec3) -> Vec3 {
    add_scaled(u, -2.0 * dot(u, n), n)
}

/// `v / |v|`, or `None` for a zero or non-finite vector.
pub(crate) fn normalized(v: Vec3) -> Option<Vec3> {
    let n = norm(v);
    (n.is_finite() && n > 0.0).then(|| scale(1.0 / n, v))
}

/// The smaller and larger real roots of a t² + 2 b t + c = 0 (a > 0), or `None` if complex.
#[inline]
pub(crate) fn quadratic_roots(a: f64, half_b: f64, c: f64) -> Option<(f64, f64)> {
    let disc = half_b * half_b - a * c;
    if disc < 0.0 {
        return None;
    }
    // Stable form (Press et al., Numerical Recipes 3rd ed. 2007, §5.6, eq. 5.6.4): no cancellation.
    let s = disc.sqrt();
    let q = if half_b >= 0.0 {
        -(half_b + s)
    } else {
        -half_b + s
    };
    if q == 0.0 {
        return Some((0.0, 0.0));
    }
    let (r1, r2) = (q / a, c / q);
    Some(if r1 <= r2 { (r1, r2) } else { (r2, r1) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflection_keeps_length_and_flips_the_normal_component() {
        let u = normalized([1.0, 2.0, -0.5]).unwrap();
        let n = normalized([0.3, -1.0, 0.2]).unwrap();
        let r = reflect(u, n);
        assert!((norm(r) - 1.0).abs() < 1e-15);
        assert!((dot(r, n) + dot(u, n)).abs() < 1e-15);
    }

    #[test]
    fn quadratic_roots_are_exact_for_a_known_polynomial() {
        // 2 (t − 1e-9)(t − 3) = 2t² − 2(3 + 1e-9) t + 6e-9
        let (lo, hi) = quadratic_roots(2.0, -(3.0 + 1e-9), 6e-9).unwrap();
        assert!((lo / 1e-9 - 1.0).abs() < 1e-12 && (hi / 3.0 - 1.0).abs() < 1e-15);
        assert!(quadratic_roots(1.0, 0.0, 1.0).is_none());
    }
}

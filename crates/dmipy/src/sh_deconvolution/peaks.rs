//! FOD peaks: local maxima on a geodesic sphere, refined by a pattern search, thresholded and de-duplicated as DIPY's `peak_directions`.

use super::sphere::{GeodesicSphere, polar_angles};
use crate::{Error, real_sh_count, real_sh_mrtrix};

/// Settings of the peak search (DIPY's `peak_directions` / Dmipy's `peaks_directions`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakOptions {
    /// Most peaks kept per voxel (default 5, as Dmipy).
    pub max_peaks: usize,
    /// Peaks below `odf_min + relative_peak_threshold × (largest peak − odf_min)` are dropped,
    /// with `odf_min` the FOD's minimum on the sphere clamped at 0 (default 0.5, as DIPY).
    pub relative_peak_threshold: f64,
    /// Of two peaks closer than this angle (degrees, axes: v ≡ −v), the smaller is dropped
    /// (default 25°, as DIPY).
    pub min_separation_angle: f64,
    /// Refine each discrete maximum to the continuous one (default true; DIPY's
    /// `peak_directions` returns the vertices, its `peak_directions_nl` refines).
    pub refine: bool,
}

impl Default for PeakOptions {
    fn default() -> Self {
        Self {
            max_peaks: 5,
            relative_peak_threshold: 0.5,
            min_separation_angle: 25.0,
            refine: true,
        }
    }
}

/// One FOD peak.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Peak {
    /// Unit direction (one of ±; the FOD is even).
    pub direction: [f64; 3],
    /// FOD value there (1/sr).
    pub value: f64,
    /// Index of the sphere vertex of the discrete maximum it was found at.
    pub vertex: usize,
}

/// Finds peaks of SH FODs of one order on one sphere; the basis on the sphere is computed once.
#[derive(Debug, Clone)]
pub struct PeakFinder {
    sh_order: usize,
    vertices: Vec<[f64; 3]>,
    basis: Vec<f64>,
    neighbours: Vec<Vec<usize>>,
    options: PeakOptions,
}

impl PeakFinder {
    /// A finder for order-`sh_order` FODs on `sphere`. Errors for an odd order.
    pub fn new(
        sh_order: usize,
        sphere: GeodesicSphere,
        options: PeakOptions,
    ) -> Result<Self, Error> {
        Self::on_mesh(
            sh_order,
            sphere.vertices().to_vec(),
            sphere.edges(),
            options,
        )
    }

    /// A finder on any tessellation of the sphere given by its unit `vertices` and the vertex
    /// pairs of its `edges` (e.g. DIPY's `Sphere.vertices` and `Sphere.edges`, as Dmipy's
    /// `peaks_directions` takes). Errors for an odd order, a vertex that is not a finite
    /// non-zero vector (vertices are normalised) or an edge naming a vertex that does not exist.
    pub fn on_mesh(
        sh_order: usize,
        mut vertices: Vec<[f64; 3]>,
        edges: &[[usize; 2]],
        options: PeakOptions,
    ) -> Result<Self, Error> {
        let invalid = |reason: String| Error::InvalidArgument {
            what: "sphere of the peak search".into(),
            reason,
        };
        for v in vertices.iter_mut() {
            let n = dot(v, v).sqrt();
            if !(n > 0.0 && n.is_finite()) {
                return Err(invalid(format!("vertex {v:?} is not a direction")));
            }
            *v = [v[0] / n, v[1] / n, v[2] / n];
        }
        let c = real_sh_count(sh_order);
        let mut basis = vec![0.0; vertices.len() * c];
        for (row, v) in basis.chunks_exact_mut(c).zip(&vertices) {
            let (theta, phi) = polar_angles(v);
            real_sh_mrtrix(sh_order, theta, phi, row)?;
        }
        let mut neighbours = vec![Vec::new(); vertices.len()];
        for &[a, b] in edges {
            if a >= vertices.len() || b >= vertices.len() {
                return Err(invalid(format!(
                    "edge [{a}, {b}] names a vertex beyond the {} given",
                    vertices.len()
                )));
            }
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
        Ok(Self {
            sh_order,
            vertices,
            basis,
            neighbours,
            options,
        })
    }

    /// The peaks of the FOD with coefficients `sh` (Dmipy's basis), largest first. Errors when
    /// `sh` has the wrong length.
    pub fn find(&self, sh: &[f64]) -> Result<Vec<Peak>, Error> {
        let c = real_sh_count(self.sh_order);
        if sh.len() != c {
            return Err(Error::LengthMismatch {
                what: "FOD coefficients for the peak search".into(),
                expected: c,
                found: sh.len(),
            });
        }
        let values: Vec<f64> = self
            .basis
            .chunks_exact(c)
            .map(|row| row.iter().zip(sh).map(|(a, b)| a * b).sum())
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Ok(Vec::new());
        }
        let odf_min = values
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .max(0.0);
        let mut peaks: Vec<Peak> = (0..values.len())
            .filter(|&i| {
                values[i] > odf_min && self.neighbours[i].iter().all(|&j| values[i] >= values[j])
            })
            .map(|i| {
                let v = self.vertices[i];
                if self.options.refine {
                    self.refine(sh, i, values[i])
                } else {
                    Peak {
                        direction: v,
                        value: values[i],
                        vertex: i,
                    }
                }
            })
            .collect();
        peaks.sort_by(|a, b| b.value.total_cmp(&a.value));
        let Some(top) = peaks.first().map(|p| p.value) else {
            return Ok(peaks);
        };
        let cut = odf_min + self.options.relative_peak_threshold * (top - odf_min);
        peaks.retain(|p| p.value >= cut);
        let cos_min = self.options.min_separation_angle.to_radians().cos();
        let mut kept: Vec<Peak> = Vec::new();
        for p in peaks {
            if kept
                .iter()
                .all(|q| dot(&q.direction, &p.direction).abs() < cos_min)
            {
                kept.push(p);
            }
            if kept.len() == self.options.max_peaks {
                break;
            }
        }
        Ok(kept)
    }

    /// The local maximum near vertex `vertex` by a compass (pattern) search on the tangent plane:
    /// steps of the vertex spacing along ±u, ±v, halved when no step improves, until 1e-9 rad
    /// (Kolda, Lewis & Torczon 2003, SIAM Rev. 45:385, doi:10.1137/S003614450242889, §3).
    fn refine(&self, sh: &[f64], vertex: usize, value: f64) -> Peak {
        let c = real_sh_count(self.sh_order);
        let mut y = vec![0.0; c];
        let mut eval = |d: &[f64; 3]| {
            let (theta, phi) = polar_angles(d);
            // Valid: the order was checked in `new`.
            real_sh_mrtrix(self.sh_order, theta, phi, &mut y).expect("even order");
            y.iter().zip(sh).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut best = Peak {
            direction: self.vertices[vertex],
            value,
            vertex,
        };
        let mut step = 0.1;
        while step > 1e-9 {
            let (u, v) = tangent_basis(&best.direction);
            let mut improved = false;
            for (a, b) in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
                let d = best.direction;
                let trial = normalised([
                    d[0] + step * (a * u[0] + b * v[0]),
                    d[1] + step * (a * u[1] + b * v[1]),
                    d[2] + step * (a * u[2] + b * v[2]),
                ]);
                let f = eval(&trial);
                if f > best.value {
                    best = Peak {
                        direction: trial,
                        value: f,
                        vertex,
                    };
                    improved = true;
                    break;
                }
            }
            if !improved {
                step *= 0.5;
            }
        }
        best
    }
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalised(v: [f64; 3]) -> [f64; 3] {
    let n = dot(&v, &v).sqrt();
    [v[0] / n, v[1] / n, v[2] / n]
}

/// Two unit vectors orthogonal to `d` and to each other.
fn tangent_basis(d: &[f64; 3]) -> ([f64; 3], [f64; 3]) {
    let a = if d[0].abs() < 0.9 {
        [1.0, 0.0, 0.0]
    } else {
        [0.0, 1.0, 0.0]
    };
    let u = normalised([
        a[1] * d[2] - a[2] * d[1],
        a[2] * d[0] - a[0] * d[2],
        a[0] * d[1] - a[1] * d[0],
    ]);
    let v = [
        d[1] * u[2] - d[2] * u[1],
        d[2] * u[0] - d[0] * u[2],
        d[0] * u[1] - d[1] * u[0],
    ];
    (u, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coefficients of the zonal function Σ_l (2l+1)/(4π)·w_l P_l(n·a), a band-limited "spike"
    /// along `a`: c_lm = w_l·Y_lm(a)·(1 for m = 0, 2 for m ≠ 0), the 2 because Dmipy's basis has
    /// squared norm ½ for m ≠ 0.
    fn spike(a: [f64; 3], order: usize) -> Vec<f64> {
        let c = real_sh_count(order);
        let mut y = vec![0.0; c];
        let (theta, phi) = polar_angles(&a);
        real_sh_mrtrix(order, theta, phi, &mut y).unwrap();
        let mut out = vec![0.0; c];
        for l in (0..=order).step_by(2) {
            let centre = l * (l + 1) / 2;
            for m in 0..=l {
                let f = if m == 0 { 1.0 } else { 2.0 };
                out[centre + m] = f * y[centre + m];
                out[centre - m] = f * y[centre - m];
            }
        }
        out
    }

    #[test]
    fn two_spikes_at_seventy_degrees_are_found_exactly() {
        let order = 8;
        let a = [1.0, 0.0, 0.0];
        let t = 70f64.to_radians();
        let b = [t.cos(), t.sin(), 0.0];
        let sa = spike(a, order);
        let sb = spike(b, order);
        let sh: Vec<f64> = sa.iter().zip(&sb).map(|(x, y)| x + 0.8 * y).collect();
        let finder = PeakFinder::new(
            order,
            GeodesicSphere::new(4).unwrap(),
            PeakOptions::default(),
        )
        .unwrap();
        let peaks = finder.find(&sh).unwrap();
        assert_eq!(peaks.len(), 2, "{peaks:?}");
        // The spikes overlap, so each maximum sits a little off its axis; the larger peak must be
        // within 1° of a and the other within 1.5° of b (band-limited overlap at 70°).
        let angle =
            |p: &Peak, q: &[f64; 3]| dot(&p.direction, q).abs().min(1.0).acos().to_degrees();
        assert!(angle(&peaks[0], &a) < 1.0, "{peaks:?}");
        assert!(angle(&peaks[1], &b) < 1.5, "{peaks:?}");
        // A single spike's maximum is exactly on its axis.
        let single = finder.find(&sb).unwrap();
        assert_eq!(single.len(), 1);
        assert!(angle(&single[0], &b) < 1e-6, "{single:?}");
    }
}

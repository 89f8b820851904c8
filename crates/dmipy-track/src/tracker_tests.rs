//! Tests of whole streamlines: world-space invariance under flipped and oblique affines, exact gradients, thread independence.
#![allow(clippy::needless_range_loop)] // affine columns by index

use crate::*;
use num_dual::{Dual64, DualNum};

const N: usize = 12;

/// A 12 × 12 × 3 peaks phantom: peak 1 the tangent of circles about the grid's centre axis
/// (voxel axes i, j), peak 2 along k. Values in voxel order (first index fastest, component
/// slowest), vectors in voxel axes.
fn phantom() -> Vec<f64> {
    let n = N * N * 3;
    let mut vol = vec![0.0; n * 6];
    for v in 0..n {
        let (i, j) = ((v % N) as f64 - 5.5, ((v / N) % N) as f64 - 5.5);
        let r = i.hypot(j);
        vol[v] = -j / r;
        vol[v + n] = i / r;
        vol[v + 5 * n] = 0.5;
    }
    vol
}

fn base_affine() -> Affine {
    [
        [2.0, 0.0, 0.0, -11.0],
        [0.0, 2.0, 0.0, -11.0],
        [0.0, 0.0, 2.0, -2.0],
        [0.0, 0.0, 0.0, 1.0],
    ]
}

fn run(grid: &Grid, vol: &[f64], frame: Frame, seeds: &[[f64; 3]]) -> Vec<Streamline<f64>> {
    let field = PeaksField::from_volume(grid.clone(), vol, 6, frame).unwrap();
    let getter = FollowAxis::new(field, 45.0);
    let settings = TrackingSettings {
        step_mm: 0.4,
        max_length_mm: 30.0,
        ..Default::default()
    };
    track_all(&getter, &Rk4, &[], seeds, &settings, &|_| {}).unwrap()
}

fn world(grid: &Grid, v: [f64; 3]) -> [f64; 3] {
    grid.to_world(&v)
}

fn assert_same(a: &[Streamline<f64>], b: &[Streamline<f64>], map: impl Fn([f64; 3]) -> [f64; 3]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.points.len(), y.points.len());
        assert_eq!(x.stop, y.stop);
        for (p, q) in x.points.iter().zip(&y.points) {
            let m = map(*p);
            for k in 0..3 {
                assert!((m[k] - q[k]).abs() < 1e-9, "{m:?} vs {q:?}");
            }
        }
    }
}

#[test]
fn flipped_and_oblique_affines_give_the_same_world_streamlines() {
    let a = Grid::new([N, N, 3], base_affine()).unwrap();
    let vol = phantom();
    let seeds: Vec<[f64; 3]> = [[8.0, 5.5, 1.0], [9.5, 5.5, 1.2], [5.5, 1.5, 0.8]]
        .iter()
        .map(|v| world(&a, *v))
        .collect();
    let reference = run(&a, &vol, Frame::Voxel, &seeds);
    assert!(
        reference.iter().all(|s| s.points.len() > 40),
        "phantom streamlines are long"
    );

    // The same phantom stored with the i axis flipped: voxel i' = N − 1 − i, same world centres.
    let mut flip = base_affine();
    flip[0][0] = -2.0;
    flip[0][3] = -11.0 + 2.0 * (N - 1) as f64;
    let b = Grid::new([N, N, 3], flip).unwrap();
    let n = N * N * 3;
    let mut flipped = vec![0.0; vol.len()];
    for v in 0..n {
        let (i, rest) = (v % N, v / N);
        let src = (N - 1 - i) + N * rest;
        for c in 0..6 {
            // In voxel axes the i component changes sign with the axis.
            flipped[v + n * c] = if c % 3 == 0 {
                -vol[src + n * c]
            } else {
                vol[src + n * c]
            };
        }
    }
    assert_same(&reference, &run(&b, &flipped, Frame::Voxel, &seeds), |p| p);
    // Read as world vectors, the flipped grid's data must be given in world axes: convert.
    let mut world_vol = flipped.clone();
    for v in 0..n {
        for k in 0..2 {
            world_vol[v + n * 3 * k] = -flipped[v + n * 3 * k];
        }
    }
    assert_same(
        &reference,
        &run(&b, &world_vol, Frame::World, &seeds),
        |p| p,
    );

    // An oblique grid: everything rotated by R (25° about x, then 40° about z) in world space.
    let (s1, c1) = 25f64.to_radians().sin_cos();
    let (s2, c2) = 40f64.to_radians().sin_cos();
    let rx = [[1.0, 0.0, 0.0], [0.0, c1, -s1], [0.0, s1, c1]];
    let rz = [[c2, -s2, 0.0], [s2, c2, 0.0], [0.0, 0.0, 1.0]];
    let r: [[f64; 3]; 3] =
        std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| rz[i][k] * rx[k][j]).sum()));
    let rot =
        |p: [f64; 3]| -> [f64; 3] { std::array::from_fn(|i| (0..3).map(|k| r[i][k] * p[k]).sum()) };
    let mut oblique = base_affine();
    for col in 0..4 {
        let c = rot([
            base_affine()[0][col],
            base_affine()[1][col],
            base_affine()[2][col],
        ]);
        for row in 0..3 {
            oblique[row][col] = c[row];
        }
    }
    let o = Grid::new([N, N, 3], oblique).unwrap();
    let rotated_seeds: Vec<[f64; 3]> = seeds.iter().map(|s| rot(*s)).collect();
    assert_same(
        &reference,
        &run(&o, &vol, Frame::Voxel, &rotated_seeds),
        rot,
    );
}

#[test]
fn same_tractogram_for_any_thread_count() {
    let g = Grid::new([N, N, 3], base_affine()).unwrap();
    let coefficients: Vec<f64> = {
        // An SH field (descoteaux07, order 2) peaked along world x: f = Y00 + 0.6·(Y22 term).
        let n = N * N * 3;
        let mut c = vec![0.0; n * 6];
        for v in 0..n {
            c[v] = 1.0;
            c[v + 5 * n] = 0.6;
        }
        c
    };
    let field = ShField::from_volume(
        g.clone(),
        &coefficients,
        6,
        ShBasis::Descoteaux07,
        Frame::World,
        hemisphere(200),
    )
    .unwrap();
    let getter = Probabilistic::new(field, 40.0, 0.1);
    let seeds: Vec<[f64; 3]> = (0..24)
        .map(|i| [-3.0 + 0.25 * i as f64, 0.5, 0.3])
        .collect();
    let settings = TrackingSettings {
        step_mm: 0.5,
        max_length_mm: 20.0,
        seed: 42,
        ..Default::default()
    };
    let run_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| track_all(&getter, &Euler, &[], &seeds, &settings, &|_| {}).unwrap())
    };
    let one = run_with(1);
    assert_eq!(one, run_with(3));
    assert_eq!(one.len(), 24);
    // Seeds split into chunks, each told where it starts, give the same tractogram.
    let chunk = |from: usize, to: usize| {
        let s = TrackingSettings {
            first_seed_index: from,
            ..settings
        };
        track_all(&getter, &Euler, &[], &seeds[from..to], &s, &|_| {}).unwrap()
    };
    let mut split = chunk(0, 10);
    split.extend(chunk(10, 24));
    assert_eq!(split, one);
    // Without the offset the second chunk would reuse the first chunk's random streams.
    let naive = track_all(&getter, &Euler, &[], &seeds[10..24], &settings, &|_| {}).unwrap();
    assert_ne!(naive[0].points, one[10].points);
}

/// Endpoint of a 6 mm RK4 streamline from `seed` through the phantom, as duals.
fn endpoint(field: &PeaksField<Dual64>, seed: [Dual64; 3]) -> [Dual64; 3] {
    let getter = FollowAxis::new(field.clone(), 45.0);
    let settings = TrackingSettings {
        step_mm: 0.5,
        max_length_mm: 6.0,
        ..Default::default()
    };
    let dir = [Dual64::from(0.0), Dual64::from(1.0), Dual64::from(0.0)];
    let line = track(&getter, &Rk4, &[], seed, dir, 0, &settings);
    *line.points.last().unwrap()
}

fn dual_field(vol: &[f64], grid: &Grid, bump: Option<(usize, Dual64)>) -> PeaksField<Dual64> {
    let mut d: Vec<Dual64> = vol.iter().map(|&x| Dual64::from(x)).collect();
    if let Some((i, v)) = bump {
        d[i] = v;
    }
    PeaksField::from_volume(grid.clone(), &d, 6, Frame::World).unwrap()
}

#[test]
fn dual_derivatives_equal_central_differences() {
    let g = Grid::new([N, N, 3], base_affine()).unwrap();
    let vol = phantom();
    let seed = world(&g, [8.3, 5.4, 1.1]);
    let field = dual_field(&vol, &g, None);
    let h = 1e-6;
    // With respect to the seed's x coordinate.
    let mut s: [Dual64; 3] = seed.map(Dual64::from);
    s[0] = s[0].derivative();
    let end = endpoint(&field, s);
    let mut plus = seed.map(Dual64::from);
    let mut minus = plus;
    plus[0] += h;
    minus[0] -= h;
    let (ep, em) = (endpoint(&field, plus), endpoint(&field, minus));
    for k in 0..3 {
        let fd = (ep[k].re - em[k].re) / (2.0 * h);
        assert!(
            (end[k].eps - fd).abs() < 1e-6 * (1.0 + fd.abs()),
            "seed d/dx {k}: {} vs {fd}",
            end[k].eps
        );
    }
    assert!(
        end[1].eps.abs() > 1e-3,
        "the derivative is not trivially zero"
    );
    // With respect to one field value: the x component of peak 1 in a voxel on the path.
    let voxel = 8 + N * (6 + N);
    let x = vol[voxel];
    let field = dual_field(&vol, &g, Some((voxel, Dual64::from(x).derivative())));
    let end = endpoint(&field, seed.map(Dual64::from));
    let ep = endpoint(
        &dual_field(&vol, &g, Some((voxel, Dual64::from(x + h)))),
        seed.map(Dual64::from),
    );
    let em = endpoint(
        &dual_field(&vol, &g, Some((voxel, Dual64::from(x - h)))),
        seed.map(Dual64::from),
    );
    let mut moved = 0.0f64;
    for k in 0..3 {
        let fd = (ep[k].re - em[k].re) / (2.0 * h);
        moved = moved.max(fd.abs());
        assert!(
            (end[k].eps - fd).abs() < 1e-6 * (1.0 + fd.abs()),
            "field {k}: {} vs {fd}",
            end[k].eps
        );
    }
    assert!(moved > 1e-3, "the chosen voxel influences the endpoint");
}

#[test]
fn tensor_field_derivatives_equal_central_differences() {
    // Uniform tensors elongated along y, with a dual Dxy in one voxel; the path bends with it.
    let g = Grid::new([4, 4, 1], base_affine()).unwrap();
    let n = 16;
    let mut vol = vec![0.0; 6 * n];
    for v in 0..n {
        vol[v] = 0.3;
        vol[v + 2 * n] = 1.7;
        vol[v + 5 * n] = 0.3;
        vol[v + n] = 0.1;
    }
    let voxel = 1 + 4 * 2;
    let end_of = |dxy: Dual64| {
        let mut d: Vec<Dual64> = vol.iter().map(|&x| Dual64::from(x)).collect();
        d[voxel + n] = dxy;
        let f = TensorField::from_volume(g.clone(), &d, Frame::World).unwrap();
        let getter = FollowAxis::new(f, 60.0);
        let settings = TrackingSettings {
            step_mm: 0.5,
            max_length_mm: 3.0,
            ..Default::default()
        };
        let seed = g.to_world(&[1.2, 0.9, 0.0]).map(Dual64::from);
        let dir = [0.0, 1.0, 0.0].map(Dual64::from);
        *track(&getter, &Rk2, &[], seed, dir, 0, &settings)
            .points
            .last()
            .unwrap()
    };
    let h = 1e-6;
    let end = end_of(Dual64::from(0.1).derivative());
    let (ep, em) = (end_of(Dual64::from(0.1 + h)), end_of(Dual64::from(0.1 - h)));
    let fd = (ep[0].re - em[0].re) / (2.0 * h);
    assert!(fd.abs() > 1e-3);
    assert!(
        (end[0].eps - fd).abs() < 1e-6 * (1.0 + fd.abs()),
        "{} vs {fd}",
        end[0].eps
    );
}

#[test]
fn gradient_descent_moves_a_seed_so_the_streamline_ends_in_the_target() {
    // Circles about z: from (x₀, 0, 0) along +y an arc of fixed length 5π mm ends at
    // x₀(cos(5π/x₀), sin(5π/x₀), 0), which is the target (0, 10, 0) only for x₀ = 10. The loss
    // |end − target|² has curvature 2|d end/dx₀|² = 2(π²/4 + 1) ≈ 6.9 there, so a step of 0.1
    // contracts the error by ≈ 0.31 per iteration.
    let getter = FollowAxis::new(
        HelixField {
            pitch_per_radian: 0.0,
        },
        60.0,
    );
    let length = 5.0 * std::f64::consts::PI;
    let settings = TrackingSettings {
        step_mm: length / 32.0,
        max_length_mm: length,
        ..Default::default()
    };
    let target = [0.0, 10.0, 0.0];
    let mut x0 = 8.0;
    let mut loss = f64::INFINITY;
    for _ in 0..40 {
        let seed = [
            Dual64::from(x0).derivative(),
            Dual64::from(0.0),
            Dual64::from(0.0),
        ];
        let dir = [0.0, 1.0, 0.0].map(Dual64::from);
        let line = track(&getter, &Rk4, &[], seed, dir, 0, &settings);
        let end = line.points.last().unwrap();
        let l: Dual64 = (0..3)
            .map(|k| (end[k] - target[k]).powi(2))
            .fold(Dual64::from(0.0), |a, b| a + b);
        loss = l.re;
        x0 -= 0.1 * l.eps;
    }
    assert!(loss < 1e-8, "loss {loss}");
    assert!((x0 - 10.0).abs() < 1e-3, "x0 {x0}");
}

/// A PMF field seen only through `sphere`, `pmf` and `contains`: `pmf_subset` takes the trait's
/// default, which evaluates the whole sphere and tests thresholds against its exact maximum.
struct WholeSphere<F>(F);

impl<F: PmfField<f64>> PmfField<f64> for WholeSphere<F> {
    fn sphere(&self) -> &[[f64; 3]] {
        self.0.sphere()
    }
    fn pmf(&self, point: &[f64; 3], out: &mut [f64]) -> bool {
        self.0.pmf(point, out)
    }
    fn contains(&self, point: &[f64; 3]) -> bool {
        self.0.contains(point)
    }
}

/// Interpolating only the cone's directions, with the thresholds decided on an upper bound of
/// the sphere's maximum where it suffices, gives exactly the tractograms of evaluating the whole
/// sphere every step, for both getters and thresholds that do and do not bite, on an order-4
/// field with irregular lobes (crossings, negative amplitudes).
#[test]
fn cone_only_evaluation_gives_the_whole_sphere_tractograms() {
    let g = Grid::new([N, N, 3], base_affine()).unwrap();
    let n = N * N * 3;
    let coefficients: Vec<f64> = (0..n * 15)
        .map(|i| {
            let (v, c) = (i % n, i / n);
            if c == 0 {
                1.0
            } else {
                0.8 * ((v * 31 + c * 17) as f64 * 0.7).sin()
            }
        })
        .collect();
    let field = || {
        ShField::from_volume(
            g.clone(),
            &coefficients,
            15,
            ShBasis::Descoteaux07,
            Frame::World,
            hemisphere(362),
        )
        .unwrap()
    };
    let seeds: Vec<[f64; 3]> = (0..40)
        .map(|i| [-9.0 + 0.45 * i as f64, -8.0 + 0.4 * i as f64, 0.3])
        .collect();
    let settings = TrackingSettings {
        step_mm: 0.5,
        max_length_mm: 25.0,
        seed: 3,
        ..Default::default()
    };
    let mut lengths = Vec::new();
    for threshold in [0.1, 0.6, 0.85] {
        let det = {
            let getter = DeterministicMaximum::new(field(), 35.0, threshold);
            track_all(&getter, &Euler, &[], &seeds, &settings, &|_| {}).unwrap()
        };
        let det_whole = {
            let getter = DeterministicMaximum::new(WholeSphere(field()), 35.0, threshold);
            track_all(&getter, &Euler, &[], &seeds, &settings, &|_| {}).unwrap()
        };
        assert!(det == det_whole, "deterministic, threshold {threshold}");
        let prob = {
            let getter = Probabilistic::new(field(), 35.0, threshold);
            track_all(&getter, &Euler, &[], &seeds, &settings, &|_| {}).unwrap()
        };
        let prob_whole = {
            let getter = Probabilistic::new(WholeSphere(field()), 35.0, threshold);
            track_all(&getter, &Euler, &[], &seeds, &settings, &|_| {}).unwrap()
        };
        assert!(prob == prob_whole, "probabilistic, threshold {threshold}");
        let points = |t: &[Streamline<f64>]| t.iter().map(|s| s.points.len()).sum::<usize>();
        lengths.push((points(&det), points(&prob)));
    }
    // The thresholds bite: the strictest one shortens the tractograms.
    assert!(
        lengths[2].0 < lengths[0].0 && lengths[2].1 < lengths[0].1,
        "{lengths:?}"
    );
}

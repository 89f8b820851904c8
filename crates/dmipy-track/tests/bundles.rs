//! A phantom of two straight bundles crossing at 90°: every streamline seeded in one bundle
//! follows it through the crossing to the far end of the image, without turning into the other.

use dmipy_track::{
    FollowAxis, Frame, Grid, PeaksField, Rk4, StopReason, TrackingSettings, track_all,
};

/// 20 × 20 × 3 voxels of 1 mm: bundle A (along x) in rows 8..12 of y, bundle B (along y) in
/// columns 8..12 of x; the 4 × 4 crossing voxels hold both peaks. Voxel i,j is world (i, j, k).
fn crossing() -> (Grid, PeaksField<f64>) {
    let (nx, ny, nz) = (20, 20, 3);
    let n = nx * ny * nz;
    let mut vol = vec![0.0; 6 * n];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let v = i + nx * (j + ny * k);
                let in_a = (8..12).contains(&j);
                let in_b = (8..12).contains(&i);
                if in_a {
                    vol[v] = 1.0; // peak 1 = x
                }
                if in_b {
                    vol[v + 4 * n] = 1.0; // peak 2 = y
                }
            }
        }
    }
    let grid = Grid::new([nx, ny, nz], IDENTITY).unwrap();
    let field = PeaksField::from_volume(grid.clone(), &vol, 6, Frame::World).unwrap();
    (grid, field)
}

const IDENTITY: [[f64; 4]; 4] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
    [0.0, 0.0, 0.0, 1.0],
];

#[test]
fn streamlines_follow_their_bundle_through_a_90_degree_crossing() {
    let (_, field) = crossing();
    let getter = FollowAxis::new(field, 45.0);
    let settings = TrackingSettings {
        step_mm: 0.25,
        ..Default::default()
    };
    // Seeds in each bundle away from the crossing, on a 4 × 4 sub-grid of its cross-section.
    let mut seeds = Vec::new();
    for a in 0..4 {
        for b in 0..4 {
            let (u, w) = (8.1 + a as f64 * 0.95, 0.2 + b as f64 * 0.5);
            seeds.push(([3.0, u, w], 'A'));
            seeds.push(([u, 3.0, w], 'B'));
        }
    }
    let points: Vec<[f64; 3]> = seeds.iter().map(|s| s.0).collect();
    let lines = track_all(&getter, &Rk4, &[], &points, &settings, &|_| {}).unwrap();
    assert_eq!(lines.len(), seeds.len());
    // Criterion: the streamline stays inside its bundle's cross-section (≤ 0.01 mm across) and
    // spans the image along the bundle (both ends leave the image). Expected: all of them.
    let mut follow = 0;
    for (line, (seed, bundle)) in lines.iter().zip(&seeds) {
        let (along, across) = if *bundle == 'A' { (0, 1) } else { (1, 0) };
        let drift = line
            .points
            .iter()
            .map(|p| (p[across] - seed[across]).abs())
            .fold(0.0, f64::max);
        let span = line
            .points
            .iter()
            .map(|p| p[along])
            .fold(f64::MIN, f64::max)
            - line
                .points
                .iter()
                .map(|p| p[along])
                .fold(f64::MAX, f64::min);
        if drift < 0.01 && span > 18.5 && line.stop == [StopReason::LeftImage; 2] {
            follow += 1;
        }
    }
    assert_eq!(
        follow,
        seeds.len(),
        "{follow} of {} follow their bundle",
        seeds.len()
    );
}

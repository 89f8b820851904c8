//! Gradient descent on a seed point so that its streamline ends in a target: exact derivatives by dual numbers.
//!
//! Circles about the z axis ([`HelixField`] with zero pitch): a streamline of fixed length 5π mm
//! from (x₀, 0, 0) ends at x₀(cos(5π/x₀), sin(5π/x₀), 0), which is the target (0, 10, 0) only for
//! x₀ = 10 mm. Starting from x₀ = 8 mm, each iteration tracks once with `Dual64` seeds and steps
//! x₀ against d loss/dx₀. Run: `cargo run -p dmipy-track --example optimise_seed`.

use dmipy_track::{FollowAxis, HelixField, Rk4, TrackingSettings, track};
use num_dual::{Dual64, DualNum};

fn main() {
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
    for iteration in 0..25 {
        let seed = [
            Dual64::from(x0).derivative(),
            Dual64::from(0.0),
            Dual64::from(0.0),
        ];
        let direction = [0.0, 1.0, 0.0].map(Dual64::from);
        let line = track(&getter, &Rk4, &[], seed, direction, 0, &settings);
        let end = line.points.last().expect("the seed is a point");
        let loss = (0..3).fold(Dual64::from(0.0), |acc, k| {
            acc + (end[k] - target[k]).powi(2)
        });
        println!(
            "iteration {iteration:2}: x0 = {x0:.9} mm, end = ({:.6}, {:.6}) mm, loss = {:.3e}, dloss/dx0 = {:+.3e}",
            end[0].re, end[1].re, loss.re, loss.eps
        );
        x0 -= 0.1 * loss.eps;
    }
}

//! Substrate files: JSON descriptions (`{"kind": "cylinder", "radius": 5e-6, ...}`) parsed into substrates.

use crate::Error;
use crate::error::invalid;
use crate::substrate::{AnySubstrate, Cylinder, CylinderPacking, Ellipsoid, Free, Slab, Sphere};
use crate::vector::Vec3;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The kinds a substrate file may name.
pub const SUBSTRATE_KINDS: &[&str] = &[
    "free",
    "slab",
    "cylinder",
    "sphere",
    "ellipsoid",
    "cylinder_packing",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreeSpec {
    #[allow(dead_code)]
    kind: String,
    diffusivity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SlabSpec {
    #[allow(dead_code)]
    kind: String,
    width: f64,
    #[serde(default = "x_axis")]
    normal: Vec3,
    diffusivity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CylinderSpec {
    #[allow(dead_code)]
    kind: String,
    radius: f64,
    #[serde(default = "z_axis")]
    axis: Vec3,
    diffusivity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SphereSpec {
    #[allow(dead_code)]
    kind: String,
    radius: f64,
    diffusivity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EllipsoidSpec {
    #[allow(dead_code)]
    kind: String,
    semi_axes: Vec3,
    #[serde(default = "identity")]
    axes: [Vec3; 3],
    diffusivity: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackingSpec {
    #[allow(dead_code)]
    kind: String,
    fraction: f64,
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    radius_shape: Option<f64>,
    #[serde(default)]
    radius_scale: Option<f64>,
    #[serde(default)]
    radii: Option<Vec<f64>>,
    #[serde(default)]
    seed: u64,
    diffusivity: f64,
    #[serde(default)]
    diffusivity_extra: Option<f64>,
}

fn packing(s: PackingSpec) -> Result<CylinderPacking, Error> {
    let d = [s.diffusivity, s.diffusivity_extra.unwrap_or(s.diffusivity)];
    match (s.radii, s.count, s.radius_shape, s.radius_scale) {
        (Some(radii), None, None, None) => CylinderPacking::pack(radii, s.fraction, s.seed, d),
        (None, Some(n), Some(k), Some(theta)) => {
            CylinderPacking::gamma(n, k, theta, s.fraction, s.seed, d)
        }
        _ => Err(invalid(
            "radii",
            "give either `radii` [m, ...] or all of `count`, `radius_shape` and `radius_scale` (Gamma, m)",
        )),
    }
}

fn x_axis() -> Vec3 {
    [1.0, 0.0, 0.0]
}
fn z_axis() -> Vec3 {
    [0.0, 0.0, 1.0]
}
fn identity() -> [Vec3; 3] {
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
}

fn fields<T: DeserializeOwned>(value: serde_json::Value, kind: &str) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::SubstrateJson(format!("{kind}: {e}")))
}

/// Parses a substrate file's text. Errors name the field: an unknown or missing `kind`, a
/// missing or unknown field (serde's message names it), a negative radius, a zero normal…
///
/// Kinds and fields (SI units): `free` {diffusivity}; `slab` {width, normal = `[1, 0, 0]`,
/// diffusivity}; `cylinder` {radius, axis = `[0, 0, 1]`, diffusivity}; `sphere` {radius, diffusivity};
/// `ellipsoid` {semi_axes `[a, b, c]`, axes = identity (rows), diffusivity}; `cylinder_packing`
/// {fraction, count + radius_shape + radius_scale (Gamma) or radii, seed = 0, diffusivity,
/// diffusivity_extra = diffusivity} (cylinders along z in a periodic voxel).
pub fn parse_substrate(text: &str) -> Result<AnySubstrate, Error> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::SubstrateJson(e.to_string()))?;
    let kind = match value.get("kind") {
        Some(serde_json::Value::String(k)) => k.clone(),
        Some(other) => return Err(invalid("kind", format!("must be a string, got {other}"))),
        None => {
            return Err(invalid(
                "kind",
                format!("missing; one of {SUBSTRATE_KINDS:?}"),
            ));
        }
    };
    Ok(match kind.as_str() {
        "free" => {
            let s: FreeSpec = fields(value, &kind)?;
            AnySubstrate::Free(Free::new(s.diffusivity)?)
        }
        "slab" => {
            let s: SlabSpec = fields(value, &kind)?;
            AnySubstrate::Slab(Slab::new(s.width, s.normal, s.diffusivity)?)
        }
        "cylinder" => {
            let s: CylinderSpec = fields(value, &kind)?;
            AnySubstrate::Cylinder(Cylinder::new(s.radius, s.axis, s.diffusivity)?)
        }
        "sphere" => {
            let s: SphereSpec = fields(value, &kind)?;
            AnySubstrate::Sphere(Sphere::new(s.radius, s.diffusivity)?)
        }
        "ellipsoid" => {
            let s: EllipsoidSpec = fields(value, &kind)?;
            AnySubstrate::Ellipsoid(Ellipsoid::new(s.semi_axes, s.axes, s.diffusivity)?)
        }
        "cylinder_packing" => AnySubstrate::CylinderPacking(packing(fields(value, &kind)?)?),
        other => {
            return Err(invalid(
                "kind",
                format!("unknown kind {other:?}; one of {SUBSTRATE_KINDS:?}"),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Substrate;

    #[test]
    fn every_kind_parses_with_its_defaults() {
        let c = parse_substrate(r#"{"kind": "cylinder", "radius": 5e-6, "diffusivity": 2e-9}"#)
            .unwrap();
        assert_eq!(
            c,
            AnySubstrate::Cylinder(Cylinder::new(5e-6, [0.0, 0.0, 1.0], 2e-9).unwrap())
        );
        let s = parse_substrate(
            r#"{"kind": "slab", "width": 8e-6, "normal": [0, 2, 0], "diffusivity": 2e-9}"#,
        )
        .unwrap();
        assert_eq!(s.compartment_of([0.0, 3.9e-6, 1.0]), Some(0));
        assert_eq!(s.compartment_of([0.0, 4.1e-6, 0.0]), None);
        for text in [
            r#"{"kind": "free", "diffusivity": 2e-9}"#,
            r#"{"kind": "sphere", "radius": 5e-6, "diffusivity": 2e-9}"#,
            r#"{"kind": "ellipsoid", "semi_axes": [5e-6, 3e-6, 2e-6], "diffusivity": 2e-9}"#,
            r#"{"kind": "cylinder_packing", "fraction": 0.5, "radii": [1e-6, 2e-6, 1e-6], "diffusivity": 2e-9}"#,
            r#"{"kind": "cylinder_packing", "fraction": 0.5, "count": 30, "radius_shape": 4, "radius_scale": 5e-7, "diffusivity": 2e-9, "diffusivity_extra": 1e-9}"#,
        ] {
            parse_substrate(text).unwrap();
        }
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"kind": "torus", "diffusivity": 2e-9}"#, "`kind`"),
            (r#"{"radius": 5e-6}"#, "`kind`"),
            (
                r#"{"kind": "sphere", "radius": -5e-6, "diffusivity": 2e-9}"#,
                "`radius`",
            ),
            (r#"{"kind": "sphere", "radius": 5e-6}"#, "diffusivity"),
            (
                r#"{"kind": "sphere", "radius": 5e-6, "diffusivity": 2e-9, "radiuss": 1}"#,
                "radiuss",
            ),
            (
                r#"{"kind": "cylinder", "radius": 5e-6, "axis": [0, 0, 0], "diffusivity": 2e-9}"#,
                "`axis`",
            ),
            (r#"{"kind": "free", "diffusivity": 2e-3}"#, "`diffusivity`"),
            (
                r#"{"kind": "ellipsoid", "semi_axes": [5e-6, 0, 2e-6], "diffusivity": 2e-9}"#,
                "semi_axes[1]",
            ),
        ];
        for (text, field) in cases {
            let e = parse_substrate(text).unwrap_err().to_string();
            assert!(e.contains(field), "{text}: {e}");
        }
        assert!(parse_substrate("{").is_err());
    }
}

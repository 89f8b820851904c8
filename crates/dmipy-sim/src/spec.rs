//! Substrate files: JSON descriptions (`{"kind": "cylinder", "radius": 5e-6, ...}`) parsed into substrates.

use crate::Error;
use crate::error::invalid;
use crate::substrate::{
    AnySubstrate, Cylinder, CylinderPacking, Ellipsoid, Free, Mesh, Slab, Sphere, parse_mesh,
};
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
    "mesh",
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoxelSpec {
    origin: Vec3,
    size: Vec3,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MeshSpec {
    #[allow(dead_code)]
    kind: String,
    file: String,
    #[serde(default = "one")]
    scale: f64,
    #[serde(default)]
    voxel: Option<VoxelSpec>,
    diffusivity: f64,
    #[serde(default)]
    diffusivity_extra: Option<f64>,
}

fn one() -> f64 {
    1.0
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
/// diffusivity_extra = diffusivity} (cylinders along z in a periodic voxel); `mesh` {file (PLY or
/// STL), scale = 1 (metres per file unit, e.g. 1e-6 for µm), voxel = none (`{"origin": [x, y, z],
/// "size": [a, b, c]}`, m: the periodic voxel the mesh is tiled in), diffusivity (inside),
/// diffusivity_extra = diffusivity}. Mesh files need [`parse_substrate_in`]; here they are an error.
pub fn parse_substrate(text: &str) -> Result<AnySubstrate, Error> {
    parse_substrate_with(text, &|file| {
        Err(invalid(
            "file",
            format!(
                "{file:?}: mesh files are read relative to a substrate file (parse_substrate_in)"
            ),
        ))
    })
}

/// As [`parse_substrate`], reading a mesh's `file` relative to the folder `dir` (the folder of the
/// substrate file) unless it is absolute.
pub fn parse_substrate_in(text: &str, dir: &std::path::Path) -> Result<AnySubstrate, Error> {
    parse_substrate_with(text, &|file| {
        let path = dir.join(file);
        std::fs::read(&path)
            .map_err(|e| invalid("file", format!("cannot read {}: {e}", path.display())))
    })
}

fn parse_substrate_with(
    text: &str,
    read: &dyn Fn(&str) -> Result<Vec<u8>, Error>,
) -> Result<AnySubstrate, Error> {
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
        "mesh" => {
            let s: MeshSpec = fields(value, &kind)?;
            let mesh = parse_mesh(&read(&s.file)?, &s.file)?;
            let d = [s.diffusivity, s.diffusivity_extra.unwrap_or(s.diffusivity)];
            let voxel = s.voxel.map(|v| (v.origin, v.size));
            AnySubstrate::Mesh(Mesh::new(&mesh, s.scale, voxel, d)?)
        }
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

    #[test]
    fn a_mesh_file_is_read_next_to_the_substrate_file_in_its_units() {
        let dir = std::env::temp_dir().join(format!("dmipy-sim-mesh-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ply = crate::substrate::mesh_file_tests::cube_ply(2.0);
        std::fs::write(dir.join("cube.ply"), ply).unwrap();
        let text = r#"{"kind": "mesh", "file": "cube.ply", "scale": 1e-6, "diffusivity": 2e-9,
            "voxel": {"origin": [-1e-6, -1e-6, -1e-6], "size": [4e-6, 4e-6, 4e-6]}}"#;
        let AnySubstrate::Mesh(m) = parse_substrate_in(text, &dir).unwrap() else {
            panic!("not a mesh")
        };
        assert!((m.volume() - 8e-18).abs() < 1e-30);
        assert_eq!(m.compartment_of([1e-6, 1e-6, 1e-6]), Some(0));
        assert_eq!(m.compartment_of([5e-6, 1e-6, 1e-6]), Some(0)); // the next voxel's copy
        let e = parse_substrate(text).unwrap_err().to_string();
        assert!(e.contains("cube.ply"), "{e}");
        let e = parse_substrate_in(&text.replace("cube.ply", "missing.ply"), &dir)
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.ply"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

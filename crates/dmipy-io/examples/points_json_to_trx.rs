//! Writes the streamlines and grid of a `points.json` fixture as a `.trx` archive, for
//! `scripts/reference/trx_interop.py` to read back with trx-python.
//!
//! Run: `cargo run -p dmipy-io --example points_json_to_trx -- POINTS.json OUT.trx`

use dmipy_io::{Tractogram, TractogramReference, write_trx};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, points, out] = args.as_slice() else {
        return Err("usage: points_json_to_trx POINTS.json OUT.trx".into());
    };
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(points)?)?;
    let number = |x: &serde_json::Value| x.as_f64().ok_or("a number was expected");
    let mut streamlines = Vec::new();
    for line in v["streamlines"].as_array().ok_or("no streamlines")? {
        let mut points = Vec::new();
        for p in line.as_array().ok_or("a streamline is not a list")? {
            points.push([
                number(&p[0])? as f32,
                number(&p[1])? as f32,
                number(&p[2])? as f32,
            ]);
        }
        streamlines.push(points);
    }
    let lengths = streamlines.iter().map(|l| l.len() as f32).collect();
    let mut affine = dmipy_io::IDENTITY;
    for (r, row) in affine.iter_mut().enumerate() {
        for (c, x) in row.iter_mut().enumerate() {
            *x = number(&v["affine"][r][c])?;
        }
    }
    let mut shape = [0; 3];
    for (k, s) in shape.iter_mut().enumerate() {
        *s = v["shape"][k].as_u64().ok_or("shape")? as usize;
    }
    let tractogram = Tractogram {
        streamlines,
        properties: vec![("n_points".into(), lengths)],
    };
    write_trx(
        Path::new(out),
        &tractogram,
        &TractogramReference { shape, affine },
    )?;
    Ok(())
}

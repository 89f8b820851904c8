//! Writes NIfTI-1/-2, `.nii`/`.nii.gz`, float32/float64/int16 samples for a nibabel cross-check.
//!
//! `cargo run -p dmipy-io --example write_samples -- DIR`, then
//! `python scripts/io/nibabel_reference.py --check DIR`. Every file has shape (3, 4, 5, 2),
//! value i + 10j + 100k + 1000t − 7.3 at (i, j, k, t) (int16: scl_slope 0.5, scl_inter −3, so
//! stored values are rounded to the nearest half), sform code 2 and qform code 1 with the affine
//! [[−2, 0, 0, 90], [0, 2.5, 0, −126], [0, 0, 3, −72]].

use dmipy_io::{DataType, NiftiHeader, NiftiImage, NiftiVersion, write_nifti};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: write_samples DIR")?;
    std::fs::create_dir_all(&dir)?;
    let shape = vec![3, 4, 5, 2];
    let mut data = Vec::new();
    for t in 0..2 {
        for k in 0..5 {
            for j in 0..4 {
                for i in 0..3 {
                    data.push(f64::from(i + 10 * j + 100 * k + 1000 * t) - 7.3);
                }
            }
        }
    }
    let affine = [
        [-2.0, 0.0, 0.0, 90.0],
        [0.0, 2.5, 0.0, -126.0],
        [0.0, 0.0, 3.0, -72.0],
        [0.0, 0.0, 0.0, 1.0],
    ];
    for (version, v) in [(NiftiVersion::One, 1), (NiftiVersion::Two, 2)] {
        for dt in [DataType::Float32, DataType::Float64, DataType::Int16] {
            let mut header = NiftiHeader::new(version, dt);
            header.set_sform(&affine, 2);
            header.set_qform(&affine, 1);
            if dt == DataType::Int16 {
                header.scl_slope = 0.5;
                header.scl_inter = -3.0;
            }
            let image = NiftiImage::new(header, shape.clone(), data.clone())?;
            for ext in ["nii", "nii.gz"] {
                let path = format!("{dir}/v{v}_{}.{ext}", dt.name());
                write_nifti(&path, &image)?;
                println!("{path}");
            }
        }
    }
    Ok(())
}

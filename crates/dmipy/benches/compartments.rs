//! Signal of every compartment on the HCP WU-Minn scheme (288 measurements), values and derivatives.
//!
//! Run: `cargo bench -p dmipy --bench compartments`. Times are per voxel (one call).

use dmipy::{AcquisitionScheme, AnyCompartment, Compartment};
use num_dual::Dual64;

fn main() {
    divan::main();
}

/// Mid-range values of every parameter, a fixed orientation for `mu`.
fn mid_parameters(model: &AnyCompartment) -> Vec<f64> {
    model
        .parameters()
        .iter()
        .flat_map(|p| match p.name {
            "mu" => vec![0.7, 1.1],
            _ => p
                .bounds
                .iter()
                .map(|&(lo, hi)| lo + 0.3 * (hi - lo))
                .collect(),
        })
        .collect()
}

fn scheme() -> AcquisitionScheme {
    AcquisitionScheme::hcp_wu_minn().expect("the built-in scheme is valid")
}

#[divan::bench(args = AnyCompartment::NAMES)]
fn signal(bencher: divan::Bencher, name: &str) {
    let (scheme, model) = (scheme(), AnyCompartment::by_name(name).expect("known name"));
    let params = mid_parameters(&model);
    let mut out = vec![0.0; scheme.len()];
    bencher.bench_local(|| {
        model
            .signal(&scheme, divan::black_box(&params), &mut out)
            .expect("valid call");
    });
}

#[divan::bench(args = AnyCompartment::NAMES)]
fn signal_with_one_derivative(bencher: divan::Bencher, name: &str) {
    let (scheme, model) = (scheme(), AnyCompartment::by_name(name).expect("known name"));
    let mut params: Vec<Dual64> = mid_parameters(&model)
        .into_iter()
        .map(Dual64::from)
        .collect();
    if let Some(last) = params.last_mut() {
        *last = last.derivative();
    }
    let mut out = vec![Dual64::from(0.0); scheme.len()];
    bencher.bench_local(|| {
        model
            .signal(&scheme, divan::black_box(&params), &mut out)
            .expect("valid call");
    });
}

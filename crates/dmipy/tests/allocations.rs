//! Counts heap allocations per voxel in prediction, likelihood gradients and fitting: once the scratch buffers exist, a voxel costs none.
//!
//! A global allocator counts the allocations of the current thread (a thread-local counter, so
//! that tests running in parallel do not see each other's).

use dmipy::{
    AcquisitionScheme, FitControl, FitOptions, MultiCompartmentModel, Noise, SolverModel,
    VoxelLikelihood, fit_model,
};
use num_dual::Dual64;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by the current thread while `f` runs.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// Turnkey models whose voxel evaluation is allocation-free. The others still build per-call
/// tables: Bingham's coefficient table (1,225 pairs, too large for the stack with dual numbers),
/// the Callaghan restricted models' sorted scratch, the Gamma size distribution's kernel slice, the spherical mean of a distributed model's
/// kernels (smt_noddi);
/// the bound model of the "Bind once" issue is where those tables will live.
const ALLOCATION_FREE: [&str; 6] = [
    "ball_stick",
    "ball_stick_2",
    "noddi_watson",
    "smt",
    "ivim",
    "dti",
];

/// A public parameter row in the middle of every parameter's range.
fn middle(model: &MultiCompartmentModel) -> Vec<f64> {
    let bounds = model.free_bounds();
    bounds.iter().map(|(lo, hi)| 0.5 * (lo + hi)).collect()
}

#[test]
fn prediction_allocates_nothing_per_voxel() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    for name in ALLOCATION_FREE {
        let model = MultiCompartmentModel::turnkey(name).unwrap();
        let free = middle(&model);
        let mut full = vec![0.0; model.full_len()];
        model.full_from_free(&free, 0, &mut full).unwrap();
        let mut out = vec![0.0; model.output_len(&scheme)];
        let mut scratch = model.scratch(&scheme);
        model
            .signal_with(&scheme, &full, &mut out, &mut scratch)
            .unwrap();
        let count = allocations(|| {
            model
                .signal_with(&scheme, &full, &mut out, &mut scratch)
                .unwrap();
        });
        assert_eq!(count, 0, "{name}: {count} allocations per f64 evaluation");
        let dual_full: Vec<Dual64> = full.iter().map(|&v| Dual64::from(v).derivative()).collect();
        let mut dual_out = vec![Dual64::from(0.0); out.len()];
        let mut dual_scratch = model.scratch(&scheme);
        let count = allocations(|| {
            model
                .signal_with(&scheme, &dual_full, &mut dual_out, &mut dual_scratch)
                .unwrap();
        });
        assert_eq!(count, 0, "{name}: {count} allocations per dual evaluation");
    }
}

#[test]
fn likelihood_gradients_allocate_nothing() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    for name in ["ball_stick", "noddi_watson"] {
        let model = MultiCompartmentModel::turnkey(name).unwrap();
        let solver = SolverModel::new(&model, &scheme, 1).unwrap();
        let noise = Noise::Rician { sigma: 0.05 };
        let mut likelihood = VoxelLikelihood::new(&solver, &scheme, noise).unwrap();
        likelihood.set_voxel(0, &vec![0.5; scheme.len()]).unwrap();
        let x: Vec<f64> = dmipy::FitModel::bounds(&solver)
            .iter()
            .map(|(lo, hi)| 0.5 * (lo + hi))
            .collect();
        let mut gradient = vec![0.0; x.len()];
        // The first call builds the program-wide quadrature tables (once per process).
        likelihood
            .log_likelihood_and_gradient(&x, &mut gradient)
            .unwrap();
        let count = allocations(|| {
            likelihood.log_likelihood(&x).unwrap();
        });
        assert_eq!(count, 0, "{name}: {count} allocations per value");
        let count = allocations(|| {
            likelihood
                .log_likelihood_and_gradient(&x, &mut gradient)
                .unwrap();
        });
        assert_eq!(count, 0, "{name}: {count} allocations per gradient");
    }
}

/// A fit on one thread allocates as often for 64 voxels as for 8 (one chunk each): its
/// allocations are per fit, none per voxel.
#[test]
fn fitting_allocates_nothing_per_voxel() {
    let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for name in ["ball_stick", "noddi_watson"] {
        let model = MultiCompartmentModel::turnkey(name).unwrap();
        let free = middle(&model);
        let mut full = vec![0.0; model.full_len()];
        model.full_from_free(&free, 0, &mut full).unwrap();
        let mut signal = vec![0.0; scheme.len()];
        model.signal(&scheme, &full, &mut signal).unwrap();
        let counts: Vec<usize> = [8, 64]
            .iter()
            .map(|&n| {
                let data: Vec<f64> = (0..n)
                    .flat_map(|v| signal.iter().map(move |s| s * (100.0 + v as f64)))
                    .collect();
                let options = FitOptions {
                    chunk_size: n,
                    ..FitOptions::default()
                };
                pool.install(|| {
                    allocations(|| {
                        fit_model(&model, &scheme, &data, &options, &FitControl::default())
                            .unwrap();
                    })
                })
            })
            .collect();
        assert_eq!(
            counts[0], counts[1],
            "{name}: allocations for 8 and 64 voxels"
        );
    }
}

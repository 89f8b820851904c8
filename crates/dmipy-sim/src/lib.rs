//! Monte Carlo diffusion simulator (geometries, walkers, gradient waveforms). Not yet written: this crate is a placeholder so the workspace has the layout of DESIGN.md.

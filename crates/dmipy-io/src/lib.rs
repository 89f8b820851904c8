//! File formats of dmipy-rs (NIfTI, FSL, Camino, JSON schemes).

//! Physics tests of the simulator against exact signals.

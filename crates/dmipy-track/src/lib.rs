//! Streamline tractography (fields, interpolation, integration, stopping). Not yet written: this crate is a placeholder so the workspace has the layout of DESIGN.md.

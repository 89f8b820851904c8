//! The `--model` argument: a compartment name, a turnkey model name or a model file (JSON).

use anyhow::{Context, Result};
use dmipy::{AcquisitionScheme, AnyCompartment, Compartment, MultiCompartmentModel};
use std::path::Path;

/// A model chosen on the command line.
pub enum CliModel {
    /// One compartment, parameters named as in Dmipy's compartment (`mu`, `lambda_par`).
    Compartment(AnyCompartment),
    /// A composed model, parameters named as in Dmipy's `MultiCompartmentModel`.
    Composed(MultiCompartmentModel),
}

impl CliModel {
    /// A compartment by its Dmipy name, or a model file (`.json`: the calls a Dmipy script makes).
    pub fn load(arg: &str) -> Result<Self> {
        if let Ok(compartment) = AnyCompartment::by_name(arg) {
            return Ok(Self::Compartment(compartment));
        }
        let path = Path::new(arg);
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            || path.exists()
        {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read model file {}", path.display()))?;
            let model = MultiCompartmentModel::from_json(&text)
                .with_context(|| format!("model file {}", path.display()))?;
            return Ok(Self::Composed(model));
        }
        Ok(Self::Compartment(AnyCompartment::by_name(arg)?))
    }

    /// Parameter names and their number of values, in the order of the parameter vector.
    pub fn parameters(&self) -> Vec<(String, usize)> {
        match self {
            Self::Compartment(c) => c
                .parameters()
                .iter()
                .map(|p| (p.name.to_string(), p.cardinality()))
                .collect(),
            Self::Composed(m) => m
                .parameter_cardinality()
                .into_iter()
                .map(|(n, c)| (n.to_string(), c))
                .collect(),
        }
    }

    /// Number of output values per voxel: measurements, or shells for a spherical-mean model.
    pub fn output_len(&self, scheme: &AcquisitionScheme) -> usize {
        match self {
            Self::Compartment(_) => scheme.len(),
            Self::Composed(m) => m.output_len(scheme),
        }
    }

    /// The signal for a parameter vector in the order of [`parameters`](Self::parameters).
    pub fn signal(
        &self,
        scheme: &AcquisitionScheme,
        params: &[f64],
        out: &mut [f64],
    ) -> Result<()> {
        match self {
            Self::Compartment(c) => c.signal(scheme, params, out)?,
            Self::Composed(m) => {
                let mut full = vec![0.0; m.full_len()];
                m.full_from_parameters(params, &mut full)?;
                m.signal(scheme, &full, out)?;
            }
        }
        Ok(())
    }
}

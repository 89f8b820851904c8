//! `dmipy models`: the turnkey models and compartments `--model` accepts.

use anyhow::Result;
use dmipy::{AnyCompartment, MultiCompartmentModel, TURNKEY_NAMES};
use std::io::Write;

/// Lists every turnkey model with its description and free parameters, then the compartments.
pub fn run(out: &mut dyn Write) -> Result<()> {
    writeln!(out, "Turnkey models (dmipy fit --model NAME):")?;
    for (name, description) in TURNKEY_NAMES {
        let model = MultiCompartmentModel::turnkey(name)?;
        writeln!(out, "\n  {name}: {description}")?;
        for (parameter, card) in model.parameter_cardinality() {
            let values = if card > 1 {
                format!(" ({card} values)")
            } else {
                String::new()
            };
            writeln!(out, "      {parameter}{values}")?;
        }
    }
    writeln!(
        out,
        "\nCompartments (a single-compartment model, or a part of a model file):"
    )?;
    for name in AnyCompartment::NAMES {
        writeln!(out, "  {name}")?;
    }
    Ok(())
}

//! Model settings (Dmipy's constructor arguments that are not parameters) and building a model from them.

use dmipy::{
    AnyCompartment, C3CylinderCallaghanApproximation as C3,
    C4CylinderGaussianPhaseApproximation as C4, Compartment, Error,
    P3PlaneCallaghanApproximation as P3, S3SphereCallaghanApproximation as S3,
    S4SphereGaussianPhaseApproximation as S4,
};

/// The settings a model may take; `None` keeps the core's (Dmipy's) default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Settings {
    /// Intra-cylinder perpendicular diffusivity (m²/s): C3, C4.
    pub diffusion_perpendicular: Option<f64>,
    /// Intra-pore diffusivity (m²/s): S3, S4, P3.
    pub diffusion_constant: Option<f64>,
    /// Number of Bessel roots per order: C3, C4, S3, S4, P3.
    pub number_of_roots: Option<usize>,
    /// Number of Bessel orders: C3, S3.
    pub number_of_functions: Option<usize>,
}

impl Settings {
    /// The names of the settings that are set, for error messages.
    fn given(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let flags = [
            (
                "diffusion_perpendicular",
                self.diffusion_perpendicular.is_some(),
            ),
            ("diffusion_constant", self.diffusion_constant.is_some()),
            ("number_of_roots", self.number_of_roots.is_some()),
            ("number_of_functions", self.number_of_functions.is_some()),
        ];
        for (name, set) in flags {
            if set {
                names.push(name);
            }
        }
        names
    }

    /// Errors when a setting outside `allowed` is set for `model`.
    fn only(&self, model: &str, allowed: &[&str]) -> Result<(), Error> {
        match self.given().into_iter().find(|g| !allowed.contains(g)) {
            None => Ok(()),
            Some(name) => Err(Error::InvalidArgument {
                what: format!("{model} setting '{name}'"),
                reason: if allowed.is_empty() {
                    format!("{model} takes no settings")
                } else {
                    format!("{model} takes only {}", allowed.join(", "))
                },
            }),
        }
    }
}

/// The compartment called `name` with `settings` applied over its defaults.
///
/// Errors for an unknown name, a setting the model does not take, or a setting the core rejects.
pub fn build_model(name: &str, s: &Settings) -> Result<AnyCompartment, Error> {
    const DPERP: &str = "diffusion_perpendicular";
    const DCONST: &str = "diffusion_constant";
    const ROOTS: &str = "number_of_roots";
    const FUNCS: &str = "number_of_functions";
    let model = AnyCompartment::by_name(name)?;
    let name = model.name();
    Ok(match model {
        AnyCompartment::C3CylinderCallaghanApproximation(d) => {
            s.only(name, &[DPERP, ROOTS, FUNCS])?;
            AnyCompartment::C3CylinderCallaghanApproximation(C3::new(
                s.diffusion_perpendicular
                    .unwrap_or(d.diffusion_perpendicular()),
                s.number_of_roots.unwrap_or(d.number_of_roots()),
                s.number_of_functions.unwrap_or(d.number_of_functions()),
            )?)
        }
        AnyCompartment::C4CylinderGaussianPhaseApproximation(d) => {
            s.only(name, &[DPERP, ROOTS])?;
            AnyCompartment::C4CylinderGaussianPhaseApproximation(C4::new(
                s.diffusion_perpendicular
                    .unwrap_or(d.diffusion_perpendicular()),
                s.number_of_roots.unwrap_or(d.number_of_roots()),
            )?)
        }
        AnyCompartment::S3SphereCallaghanApproximation(d) => {
            s.only(name, &[DCONST, ROOTS, FUNCS])?;
            AnyCompartment::S3SphereCallaghanApproximation(S3::new(
                s.diffusion_constant.unwrap_or(d.diffusion_constant()),
                s.number_of_roots.unwrap_or(d.number_of_roots()),
                s.number_of_functions.unwrap_or(d.number_of_functions()),
            )?)
        }
        AnyCompartment::S4SphereGaussianPhaseApproximation(d) => {
            s.only(name, &[DCONST, ROOTS])?;
            AnyCompartment::S4SphereGaussianPhaseApproximation(S4::new(
                s.diffusion_constant.unwrap_or(d.diffusion_constant()),
                s.number_of_roots.unwrap_or(d.number_of_roots()),
            )?)
        }
        AnyCompartment::P3PlaneCallaghanApproximation(d) => {
            s.only(name, &[DCONST, ROOTS])?;
            AnyCompartment::P3PlaneCallaghanApproximation(P3::new(
                s.diffusion_constant.unwrap_or(d.diffusion_constant()),
                s.number_of_roots.unwrap_or(d.number_of_roots()),
            )?)
        }
        other => {
            s.only(name, &[])?;
            other
        }
    })
}

/// The settings of a built model as (name, value) pairs, for `repr` and round trips.
pub fn settings_of(model: &AnyCompartment) -> Vec<(&'static str, f64)> {
    match model {
        AnyCompartment::C3CylinderCallaghanApproximation(m) => vec![
            ("diffusion_perpendicular", m.diffusion_perpendicular()),
            ("number_of_roots", m.number_of_roots() as f64),
            ("number_of_functions", m.number_of_functions() as f64),
        ],
        AnyCompartment::C4CylinderGaussianPhaseApproximation(m) => vec![
            ("diffusion_perpendicular", m.diffusion_perpendicular()),
            ("number_of_roots", m.number_of_roots() as f64),
        ],
        AnyCompartment::S3SphereCallaghanApproximation(m) => vec![
            ("diffusion_constant", m.diffusion_constant()),
            ("number_of_roots", m.number_of_roots() as f64),
            ("number_of_functions", m.number_of_functions() as f64),
        ],
        AnyCompartment::S4SphereGaussianPhaseApproximation(m) => vec![
            ("diffusion_constant", m.diffusion_constant()),
            ("number_of_roots", m.number_of_roots() as f64),
        ],
        AnyCompartment::P3PlaneCallaghanApproximation(m) => vec![
            ("diffusion_constant", m.diffusion_constant()),
            ("number_of_roots", m.number_of_roots() as f64),
        ],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_override_defaults_and_foreign_settings_are_named() {
        let s = Settings {
            number_of_roots: Some(7),
            ..Settings::default()
        };
        let m = build_model("C3CylinderCallaghanApproximation", &s).unwrap();
        assert_eq!(
            settings_of(&m),
            vec![
                ("diffusion_perpendicular", 1.7e-9),
                ("number_of_roots", 7.0),
                ("number_of_functions", 50.0)
            ]
        );
        let e = build_model("C1Stick", &s).unwrap_err().to_string();
        assert!(
            e.contains("C1Stick takes no settings") && e.contains("number_of_roots"),
            "{e}"
        );
        let e = build_model(
            "C4CylinderGaussianPhaseApproximation",
            &Settings {
                diffusion_constant: Some(1e-9),
                ..Settings::default()
            },
        );
        let e = e.unwrap_err().to_string();
        assert!(
            e.contains("takes only diffusion_perpendicular, number_of_roots"),
            "{e}"
        );
    }

    #[test]
    fn core_rejections_pass_through() {
        let s = Settings {
            diffusion_constant: Some(-1.0),
            ..Settings::default()
        };
        let e = build_model("S4SphereGaussianPhaseApproximation", &s).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        assert!(matches!(
            build_model("C9", &Settings::default()),
            Err(Error::UnknownModel { .. })
        ));
    }
}

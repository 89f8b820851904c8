//! Every compartment by its Dmipy name: one enum that dispatches to the concrete models.

use super::*;
use crate::{AcquisitionScheme, Error, Scalar};

/// Declares [`AnyCompartment`] over the listed model types; one list, so a new model is one line.
macro_rules! registry {
    ($($model:ident),* $(,)?) => {
        /// Any compartment of the crate, chosen at run time (e.g. by name from a model file).
        ///
        /// Dispatch happens once per call, outside the loop over measurements.
        #[derive(Debug, Clone)]
        pub enum AnyCompartment {
            $(
                #[doc = concat!("[`", stringify!($model), "`]")]
                $model($model),
            )*
        }

        impl AnyCompartment {
            /// The names [`by_name`](Self::by_name) accepts, as in Dmipy 1.x.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($model)),*];

            /// The compartment called `name`, with Dmipy's default settings.
            pub fn by_name(name: &str) -> Result<Self, Error> {
                match name {
                    $(stringify!($model) => Ok(Self::$model($model::default())),)*
                    _ => Err(Error::UnknownModel {
                        name: name.to_string(),
                        known: Self::NAMES.join(", "),
                    }),
                }
            }
        }

        impl Compartment for AnyCompartment {
            fn name(&self) -> &'static str {
                match self { $(Self::$model(m) => m.name(),)* }
            }

            fn parameters(&self) -> &'static [ParameterSpec] {
                match self { $(Self::$model(m) => m.parameters(),)* }
            }

            fn signal<D: Scalar>(
                &self,
                scheme: &AcquisitionScheme,
                params: &[D],
                out: &mut [D],
            ) -> Result<(), Error> {
                match self { $(Self::$model(m) => m.signal(scheme, params, out),)* }
            }
        }

        impl SphericalMean for AnyCompartment {
            fn spherical_mean<D: Scalar>(
                &self,
                scheme: &AcquisitionScheme,
                params: &[D],
                out_per_shell: &mut [D],
            ) -> Result<(), Error> {
                match self { $(Self::$model(m) => m.spherical_mean(scheme, params, out_per_shell),)* }
            }
        }
    };
}

registry!(
    C1Stick,
    C2CylinderStejskalTannerApproximation,
    C3CylinderCallaghanApproximation,
    C4CylinderGaussianPhaseApproximation,
    G1Ball,
    G2Zeppelin,
    G3TemporalZeppelin,
    Tensor,
    Ivim,
    S1Dot,
    S2SphereStejskalTannerApproximation,
    S3SphereCallaghanApproximation,
    S4SphereGaussianPhaseApproximation,
    P2PlaneStejskalTannerApproximation,
    P3PlaneCallaghanApproximation,
    CC2CappedCylinderStejskalTannerApproximation,
    CC3CappedCylinderCallaghanApproximation,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_builds_the_model_of_that_name_with_unique_parameter_names() {
        for &name in AnyCompartment::NAMES {
            let model = AnyCompartment::by_name(name).unwrap();
            assert_eq!(model.name(), name);
            let names: Vec<_> = model.parameters().iter().map(|p| p.name).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(names.len(), unique.len(), "{name}: {names:?}");
            for p in model.parameters() {
                for &(lo, hi) in p.bounds {
                    assert!(
                        lo < hi && lo.is_finite() && hi.is_finite(),
                        "{name}.{}",
                        p.name
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_name_lists_the_known_ones() {
        let err = AnyCompartment::by_name("C9Banana").unwrap_err().to_string();
        assert!(err.contains("C9Banana") && err.contains("C1Stick") && err.contains("G2Zeppelin"));
    }

    #[test]
    fn dispatch_gives_the_concrete_model_signal() {
        let scheme = AcquisitionScheme::hcp_wu_minn().unwrap();
        let params = [0.3, 1.1, 1.7e-9];
        let mut direct = vec![0.0; scheme.len()];
        let mut via_enum = vec![0.0; scheme.len()];
        C1Stick.signal(&scheme, &params, &mut direct).unwrap();
        AnyCompartment::by_name("C1Stick")
            .unwrap()
            .signal(&scheme, &params, &mut via_enum)
            .unwrap();
        assert_eq!(direct, via_enum);
    }
}

//! Turnkey models by name (ball-stick, NODDI, SMT, SANDI, ActiveAx, AxCaliber, IVIM, DTI), each built with the calls a Dmipy 1.x script makes.

use super::{DistributedModel, Distribution, ModelComponent, MultiCompartmentModel};
use crate::compartments::AnyCompartment;
use crate::{Error, S4SphereGaussianPhaseApproximation};

/// Every turnkey model: its name for [`MultiCompartmentModel::turnkey`] and a one-line
/// description (the CLI's `dmipy models` lists them with their free parameters).
pub const TURNKEY_NAMES: &[(&str, &str)] = &[
    ("ball_stick", "ball and one stick (Behrens 2003)"),
    ("ball_stick_2", "ball and two sticks (Behrens 2007)"),
    ("ball_stick_3", "ball and three sticks (Behrens 2007)"),
    (
        "noddi_watson",
        "NODDI: ball 3e-9 + Watson(stick, tortuous zeppelin), λ∥ 1.7e-9 (Zhang 2012)",
    ),
    (
        "noddi_bingham",
        "NODDI with Bingham dispersion (Tariq 2016)",
    ),
    (
        "smt",
        "spherical-mean technique: stick + tortuous zeppelin, equal λ∥ (Kaden 2016)",
    ),
    (
        "smt_noddi",
        "spherical-mean NODDI: ball 3e-9 + bundle(stick, tortuous zeppelin) (Cabeen 2019)",
    ),
    (
        "sandi",
        "SANDI, spherical mean: stick + sphere (soma) + ball (Palombo 2020)",
    ),
    (
        "activeax",
        "ActiveAx: cylinder (C4) + tortuous zeppelin + ball 3e-9 (Alexander 2010)",
    ),
    (
        "axcaliber",
        "AxCaliber: Gamma-distributed cylinders (C4) + zeppelin (Assaf 2008)",
    ),
    (
        "ivim",
        "IVIM: two balls, pseudo-diffusion fixed at 7e-9 (Le Bihan 1988, as Dmipy's example)",
    ),
    ("dti", "diffusion tensor (Basser 1994)"),
    (
        "free_water_dti",
        "free-water DTI: tensor + ball 3e-9 (Pasternak 2009)",
    ),
];

/// λ∥ that NODDI and SMT-NODDI fix (m²/s), Zhang et al. 2012.
const NODDI_LAMBDA_PAR: f64 = 1.7e-9;
/// Diffusivity of free water at body temperature that CSF compartments fix (m²/s).
const FREE_WATER: f64 = 3e-9;

fn compartment(name: &str) -> Result<AnyCompartment, Error> {
    AnyCompartment::by_name(name)
}

fn component(name: &str) -> Result<ModelComponent, Error> {
    ModelComponent::by_name(name)
}

impl MultiCompartmentModel {
    /// The turnkey model called `name` (see [`TURNKEY_NAMES`]), built with the same calls a
    /// Dmipy 1.x script makes, so its parameter names are Dmipy's. Errors for unknown names.
    pub fn turnkey(name: &str) -> Result<Self, Error> {
        match name {
            "ball_stick" => ball_stick(1),
            "ball_stick_2" => ball_stick(2),
            "ball_stick_3" => ball_stick(3),
            "noddi_watson" => noddi(Distribution::Watson),
            "noddi_bingham" => noddi(Distribution::Bingham),
            "smt" => smt(),
            "smt_noddi" => smt_noddi(),
            "sandi" => sandi(),
            "activeax" => activeax(),
            "axcaliber" => axcaliber(),
            "ivim" => ivim(),
            "dti" => Self::new(vec![component("Tensor")?]),
            "free_water_dti" => free_water_dti(),
            _ => Err(Error::UnknownModel {
                name: name.into(),
                known: TURNKEY_NAMES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}

/// Ball and `sticks` sticks, `MultiCompartmentModel([G1Ball, C1Stick, …])` as Dmipy's
/// ball-and-stick example (Behrens et al. 2003, doi:10.1002/mrm.10609; several sticks: Behrens
/// et al. 2007, doi:10.1016/j.neuroimage.2006.09.018). Free: `G1Ball_1_lambda_iso`, per stick
/// `C1Stick_k_mu` and `C1Stick_k_lambda_par`, the partial volumes.
pub fn ball_stick(sticks: usize) -> Result<MultiCompartmentModel, Error> {
    if !(1..=3).contains(&sticks) {
        return Err(Error::InvalidArgument {
            what: "number of sticks of ball_stick".into(),
            reason: format!("{sticks}; 1 to 3 are available"),
        });
    }
    let mut components = vec![component("G1Ball")?];
    for _ in 0..sticks {
        components.push(component("C1Stick")?);
    }
    MultiCompartmentModel::new(components)
}

/// Stick and zeppelin in one distributed model with the links of Dmipy's NODDI example: the
/// zeppelin's λ⊥ tortuous, ((1 − v) λ∥ with v the inner stick fraction), λ∥ equal and fixed.
fn noddi_bundle(distribution: Distribution) -> Result<DistributedModel, Error> {
    let mut bundle = DistributedModel::new(
        distribution,
        vec![compartment("C1Stick")?, compartment("G2Zeppelin")?],
    )?;
    bundle.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
    )?;
    bundle.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")?;
    bundle.set_fixed_parameter("G2Zeppelin_1_lambda_par", &[NODDI_LAMBDA_PAR])?;
    Ok(bundle)
}

/// NODDI (Zhang et al. 2012, NeuroImage 61:1000–1016, doi:10.1016/j.neuroimage.2012.03.072), as
/// Dmipy's NODDI-Watson example: `MultiCompartmentModel([G1Ball, SD1WatsonDistributed([C1Stick,
/// G2Zeppelin])])` with the bundle links of [`noddi_bundle`] and the ball fixed at 3e-9 m²/s.
/// With Bingham: NODDI-Bingham (Tariq et al. 2016, doi:10.1016/j.neuroimage.2016.01.046).
/// Free (Watson): `SD1WatsonDistributed_1_SD1Watson_1_mu`, `…_odi`,
/// `SD1WatsonDistributed_1_partial_volume_0` (intra-neurite fraction of the bundle),
/// `partial_volume_0` (ball), `partial_volume_1` (bundle).
fn noddi(distribution: Distribution) -> Result<MultiCompartmentModel, Error> {
    let bundle = noddi_bundle(distribution)?;
    let mut model = MultiCompartmentModel::new(vec![component("G1Ball")?, bundle.into()])?;
    model.set_fixed_parameter("G1Ball_1_lambda_iso", FREE_WATER)?;
    Ok(model)
}

/// The spherical-mean technique's multi-compartment model (Kaden et al. 2016, Magn. Reson. Med.
/// 75:1752–1763, doi:10.1002/mrm.25734, eqs. 9–10), as Dmipy's SMT example:
/// `MultiCompartmentSphericalMeanModel([C1Stick, G2Zeppelin])`, the zeppelin's λ⊥ tortuous
/// (λ⊥ = (1 − v_int) λ∥) and λ∥ equal. Free: `G2Zeppelin_1_lambda_par`, `partial_volume_0`,
/// `partial_volume_1`.
fn smt() -> Result<MultiCompartmentModel, Error> {
    let mut model = MultiCompartmentModel::spherical_mean(vec![
        component("C1Stick")?,
        component("G2Zeppelin")?,
    ])?;
    model.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp",
        "C1Stick_1_lambda_par",
        "partial_volume_0",
        "partial_volume_1",
        false,
    )?;
    model.set_equal_parameter("G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par")?;
    Ok(model)
}

/// Spherical-mean NODDI (Cabeen et al. 2019, doi:10.1016/j.neuroimage.2019.02.045; the
/// spherical mean removes the Watson distribution), as Dmipy's SMT-NODDI example:
/// `MultiCompartmentSphericalMeanModel([BundleModel([C1Stick, G2Zeppelin]), G1Ball])` with the
/// NODDI bundle links and the ball fixed at 3e-9 m²/s. Free: `BundleModel_1_partial_volume_0`,
/// `partial_volume_0`, `partial_volume_1`.
fn smt_noddi() -> Result<MultiCompartmentModel, Error> {
    let bundle = noddi_bundle(Distribution::Bundle)?;
    let mut model =
        MultiCompartmentModel::spherical_mean(vec![bundle.into(), component("G1Ball")?])?;
    model.set_fixed_parameter("G1Ball_1_lambda_iso", FREE_WATER)?;
    Ok(model)
}

/// SANDI (Palombo et al. 2020, NeuroImage 215:116835, doi:10.1016/j.neuroimage.2020.116835,
/// eq. 1 with its spherical-mean formulation): the powder-averaged signal of neurites (stick,
/// `C1Stick_1_lambda_par` = D_in), soma (sphere, Gaussian phase, intra-soma diffusivity fixed at
/// 3e-9 m²/s as in the paper; `…_diameter` = 2 r_s) and extra-cellular space (ball, D_e), with
/// fractions f_in, f_is, f_ec. Dmipy 1.x has no SANDI example; this is
/// `MultiCompartmentSphericalMeanModel([C1Stick, S4SphereGaussianPhaseApproximation(3e-9),
/// G1Ball])`. Free: `C1Stick_1_lambda_par`, `S4SphereGaussianPhaseApproximation_1_diameter`,
/// `G1Ball_1_lambda_iso`, `partial_volume_0..2`.
fn sandi() -> Result<MultiCompartmentModel, Error> {
    let sphere = S4SphereGaussianPhaseApproximation::new(FREE_WATER, 100)?;
    MultiCompartmentModel::spherical_mean(vec![
        component("C1Stick")?,
        AnyCompartment::S4SphereGaussianPhaseApproximation(sphere).into(),
        component("G1Ball")?,
    ])
}

/// ActiveAx's minimal model of white matter (Alexander et al. 2010, NeuroImage 52:1374–1389,
/// doi:10.1016/j.neuroimage.2010.05.043): intra-axonal cylinder (Gaussian phase, C4), extra-axonal
/// zeppelin along the same axis with tortuous λ⊥ and the cylinder's λ∥, both λ∥ fixed at
/// 1.7e-9 m²/s, and CSF as a ball fixed at 3e-9 m²/s:
/// `MultiCompartmentModel([C4CylinderGaussianPhaseApproximation, G2Zeppelin, G1Ball])`. Free:
/// `C4CylinderGaussianPhaseApproximation_1_mu`, `…_diameter`, `partial_volume_0..2`.
fn activeax() -> Result<MultiCompartmentModel, Error> {
    let c4 = "C4CylinderGaussianPhaseApproximation";
    let mut model = MultiCompartmentModel::new(vec![
        component(c4)?,
        component("G2Zeppelin")?,
        component("G1Ball")?,
    ])?;
    let (mu, par) = (format!("{c4}_1_mu"), format!("{c4}_1_lambda_par"));
    model.set_equal_parameter(&mu, "G2Zeppelin_1_mu")?;
    model.set_tortuous_parameter(
        "G2Zeppelin_1_lambda_perp",
        &par,
        "partial_volume_0",
        "partial_volume_1",
        false,
    )?;
    model.set_equal_parameter(&par, "G2Zeppelin_1_lambda_par")?;
    model.set_fixed_parameter(&par, NODDI_LAMBDA_PAR)?;
    model.set_fixed_parameter("G1Ball_1_lambda_iso", FREE_WATER)?;
    Ok(model)
}

/// AxCaliber (Assaf et al. 2008, Magn. Reson. Med. 59:1347–1354, doi:10.1002/mrm.21577): a
/// Gamma distribution of cylinder diameters (Gaussian phase, C4) and a hindered zeppelin along
/// the same axis: `MultiCompartmentModel([DD1GammaDistributed([C4…]), G2Zeppelin])` with the
/// zeppelin's `mu` equal to the cylinders'. Free:
/// `DD1GammaDistributed_1_C4CylinderGaussianPhaseApproximation_1_mu`, `…_lambda_par`,
/// `DD1GammaDistributed_1_DD1Gamma_1_alpha`, `…_beta`, `G2Zeppelin_1_lambda_par`,
/// `G2Zeppelin_1_lambda_perp`, `partial_volume_0`, `partial_volume_1`.
fn axcaliber() -> Result<MultiCompartmentModel, Error> {
    let gamma = DistributedModel::new(
        Distribution::Gamma,
        vec![compartment("C4CylinderGaussianPhaseApproximation")?],
    )?;
    let mut model = MultiCompartmentModel::new(vec![gamma.into(), component("G2Zeppelin")?])?;
    model.set_equal_parameter(
        "DD1GammaDistributed_1_C4CylinderGaussianPhaseApproximation_1_mu",
        "G2Zeppelin_1_mu",
    )?;
    Ok(model)
}

/// IVIM (Le Bihan et al. 1988, Radiology 168:497–505, doi:10.1148/radiology.168.2.3393671) as
/// Dmipy's IVIM example builds it, so that names match Dmipy: two balls, the second the
/// pseudo-diffusion D* fixed at 7e-9 m²/s (Gurney-Champion et al. 2018,
/// doi:10.1371/journal.pone.0194590, fixed-D* fitting), the first D with bounds 0.5e-9–6e-9 m²/s.
/// The [`Ivim`](crate::Ivim) compartment is the same signal as one component. Free:
/// `G1Ball_1_lambda_iso`, `partial_volume_0` (tissue), `partial_volume_1` (perfusion).
fn ivim() -> Result<MultiCompartmentModel, Error> {
    let mut model = MultiCompartmentModel::new(vec![component("G1Ball")?, component("G1Ball")?])?;
    model.set_fixed_parameter("G1Ball_2_lambda_iso", 7e-9)?;
    model.set_parameter_optimization_bounds("G1Ball_1_lambda_iso", &[(0.5e-9, 6e-9)])?;
    Ok(model)
}

/// Free-water DTI (Pasternak et al. 2009, Magn. Reson. Med. 62:717–730, doi:10.1002/mrm.22055):
/// a tensor and a free-water ball fixed at 3e-9 m²/s. Free: the tensor's `mu`, `psi`,
/// `lambda_1..3`, `partial_volume_0` (tissue), `partial_volume_1` (free water).
fn free_water_dti() -> Result<MultiCompartmentModel, Error> {
    let mut model = MultiCompartmentModel::new(vec![component("Tensor")?, component("G1Ball")?])?;
    model.set_fixed_parameter("G1Ball_1_lambda_iso", FREE_WATER)?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compartments::reference_fixtures;
    use crate::{
        AcquisitionScheme, C1Stick, Compartment, DD1GammaDistributed, G1Ball, G2Zeppelin,
        PulseTiming, SchemeOptions, WatsonDispersed,
    };
    use num_dual::Dual64;
    use serde::Deserialize;
    use serde_json::Value;
    use std::collections::BTreeMap;

    const FIXTURE: &str = include_str!("../../tests/fixtures/dmipy1_turnkey.json");

    #[derive(Deserialize)]
    struct Fixture {
        hcp_shell_bvalues: Vec<f64>,
        models: Vec<Entry>,
    }

    #[derive(Deserialize)]
    struct Entry {
        name: String,
        spherical_mean: bool,
        parameter_names: Vec<String>,
        parameter_cardinality: Vec<usize>,
        signals: Vec<Case>,
    }

    #[derive(Deserialize)]
    struct Case {
        values: BTreeMap<String, Value>,
        signal: Vec<f64>,
    }

    fn fixture() -> Fixture {
        serde_json::from_str(FIXTURE).expect("fixture parses")
    }
    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    fn numbers(v: &Value) -> Vec<f64> {
        match v {
            Value::Number(n) => vec![n.as_f64().unwrap()],
            Value::Array(a) => a.iter().flat_map(numbers).collect(),
            _ => panic!("not numeric: {v}"),
        }
    }

    fn full_of(model: &MultiCompartmentModel, public: &[f64]) -> Vec<f64> {
        let mut full = vec![0.0; model.full_len()];
        model.full_from_parameters(public, &mut full).unwrap();
        full
    }

    fn predict(
        model: &MultiCompartmentModel,
        scheme: &AcquisitionScheme,
        full: &[f64],
    ) -> Vec<f64> {
        let mut out = vec![0.0; model.output_len(scheme)];
        model.signal(scheme, full, &mut out).unwrap();
        out
    }

    #[test]
    fn names_and_free_parameters_match_dmipy() {
        for entry in fixture().models {
            let model = MultiCompartmentModel::turnkey(&entry.name).unwrap();
            assert_eq!(
                model.is_spherical_mean(),
                entry.spherical_mean,
                "{}",
                entry.name
            );
            assert_eq!(
                model.parameter_names(),
                entry.parameter_names,
                "{}",
                entry.name
            );
            let cards: Vec<usize> = model.parameter_cardinality().iter().map(|c| c.1).collect();
            assert_eq!(cards, entry.parameter_cardinality, "{}", entry.name);
            let free: Vec<&str> = model.free_parameter_names().iter().map(|f| f.0).collect();
            assert_eq!(free, entry.parameter_names, "{}", entry.name);
        }
    }

    /// Worst relative difference to Dmipy per model, and the median, on the HCP scheme.
    fn against_dmipy(entry: &Entry, shells: &[f64]) -> (f64, f64) {
        let scheme = reference_fixtures::scheme("hcp");
        let model = MultiCompartmentModel::turnkey(&entry.name).unwrap();
        let mut all = Vec::new();
        for case in &entry.signals {
            let public: Vec<f64> = model
                .parameter_names()
                .iter()
                .flat_map(|n| numbers(&case.values[*n]))
                .collect();
            let out = predict(&model, &scheme, &full_of(&model, &public));
            let ours: Vec<f64> = if model.is_spherical_mean() {
                let shell = |b: f64| {
                    scheme
                        .shells()
                        .iter()
                        .position(|s| (s.bvalue - b).abs() <= 1e-6 * b.max(1.0))
                        .expect("Dmipy shell present")
                };
                shells.iter().map(|&b| out[shell(b)]).collect()
            } else {
                out
            };
            assert_eq!(ours.len(), case.signal.len(), "{}", entry.name);
            all.extend(ours.iter().zip(&case.signal).map(|(a, e)| rel(*a, *e)));
        }
        all.sort_by(f64::total_cmp);
        (all[all.len() - 1], all[all.len() / 2])
    }

    /// Models without dispersion or size distribution are closed forms on both sides: 1e-9.
    /// NODDI: Dmipy truncates its SH convolution at an order picked from ODI (about 1e-3 on HCP,
    /// up to 2e-2 at high b, see distributions/reference_tests.rs, where our dispersion matches
    /// dense quadrature to 1e-11 and Dmipy does not); below we show our NODDI equals the
    /// distributions module's exact dispersion to 1e-13, so the difference is Dmipy's. AxCaliber:
    /// Dmipy integrates the Gamma distribution on 30 radii (off by up to ~1e-2, gamma.rs tests),
    /// ours equals `DD1GammaDistributed` (1e-10 vs brute force) exactly, tested below.
    /// SMT-NODDI: Dmipy averages its `BundleModel` over the sampled directions of its
    /// spherical-mean scheme (about 2e-4 off), while the closed-form spherical means of stick and
    /// zeppelin agree with Dmipy's to 1e-15 (the `smt` case); below, our SMT-NODDI equals those
    /// closed forms combined with the bundle's fractions to 1e-14.
    #[test]
    fn signals_match_dmipy_to_its_own_accuracy() {
        let fx = fixture();
        let mut checked = 0;
        for entry in &fx.models {
            if entry.signals.is_empty() {
                continue; // sandi: Dmipy 1.0.5 cannot evaluate the S4 spherical mean
            }
            let (worst, median) = against_dmipy(entry, &fx.hcp_shell_bvalues);
            eprintln!(
                "{}: vs Dmipy worst {worst:.2e}, median {median:.2e}",
                entry.name
            );
            let (w, m) = match entry.name.as_str() {
                // measured: NODDI 1.6e-3 / 1.6e-4, AxCaliber 2.3e-3 / 4e-4, SMT-NODDI 2.3e-4 / 1.4e-4
                "noddi_watson" | "noddi_bingham" => (1e-2, 1e-3),
                "axcaliber" => (1e-2, 2e-3),
                "smt_noddi" => (1e-3, 5e-4),
                _ => (1e-9, 1e-9),
            };
            assert!(
                worst < w && median < m,
                "{}: {worst:e} / {median:e}",
                entry.name
            );
            checked += 1;
        }
        assert_eq!(checked, 10);
    }

    #[test]
    fn noddi_equals_the_exact_single_kernel_dispersions() {
        let scheme = reference_fixtures::scheme("hcp");
        let model = MultiCompartmentModel::turnkey("noddi_watson").unwrap();
        let (theta, phi, odi, v, f_ball) = (0.8, -1.3, 0.23, 0.6, 0.15);
        let full = full_of(&model, &[theta, phi, odi, v, f_ball, 1.0 - f_ball]);
        let ours = predict(&model, &scheme, &full);
        let n = scheme.len();
        let (mut stick, mut zep, mut ball) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let lpar = 1.7e-9;
        WatsonDispersed::new(C1Stick)
            .signal(&scheme, &[theta, phi, lpar, odi], &mut stick)
            .unwrap();
        WatsonDispersed::new(G2Zeppelin)
            .signal(
                &scheme,
                &[theta, phi, lpar, (1.0 - v) * lpar, odi],
                &mut zep,
            )
            .unwrap();
        G1Ball.signal(&scheme, &[3e-9], &mut ball).unwrap();
        for i in 0..n {
            let want = f_ball * ball[i] + (1.0 - f_ball) * (v * stick[i] + (1.0 - v) * zep[i]);
            assert!(rel(ours[i], want) < 1e-13, "{i}: {} vs {want}", ours[i]);
        }
    }

    #[test]
    fn smt_noddi_equals_the_closed_form_spherical_means() {
        let scheme = reference_fixtures::scheme("hcp");
        let model = MultiCompartmentModel::turnkey("smt_noddi").unwrap();
        let (v, f_bundle) = (0.65, 0.8);
        let ours = predict(
            &model,
            &scheme,
            &full_of(&model, &[v, f_bundle, 1.0 - f_bundle]),
        );
        let flat = MultiCompartmentModel::spherical_mean(vec![
            component("C1Stick").unwrap(),
            component("G2Zeppelin").unwrap(),
            component("G1Ball").unwrap(),
        ])
        .unwrap();
        let lpar = 1.7e-9;
        let p = [
            lpar,
            lpar,
            (1.0 - v) * lpar,
            3e-9,
            f_bundle * v,
            f_bundle * (1.0 - v),
            1.0 - f_bundle,
        ];
        let want = predict(&flat, &scheme, &full_of(&flat, &p));
        for (a, e) in ours.iter().zip(&want) {
            assert!(rel(*a, *e) < 1e-14, "{a} vs {e}");
        }
    }

    #[test]
    fn axcaliber_equals_the_gamma_distributed_cylinder() {
        let scheme = reference_fixtures::scheme("hcp");
        let model = MultiCompartmentModel::turnkey("axcaliber").unwrap();
        let p = [0.4, 2.0, 1.9e-9, 3.0, 4e-7, 2.1e-9, 0.6e-9, 0.55, 0.45];
        let ours = predict(&model, &scheme, &full_of(&model, &p));
        let c4 = crate::C4CylinderGaussianPhaseApproximation::default();
        let gamma = DD1GammaDistributed::new(c4).unwrap();
        let (mut g, mut z) = (vec![0.0; scheme.len()], vec![0.0; scheme.len()]);
        gamma
            .signal(&scheme, &[0.4, 2.0, 1.9e-9, 3.0, 4e-7], &mut g)
            .unwrap();
        G2Zeppelin
            .signal(&scheme, &[0.4, 2.0, 2.1e-9, 0.6e-9], &mut z)
            .unwrap();
        for i in 0..scheme.len() {
            let want = 0.55 * g[i] + 0.45 * z[i];
            assert!(rel(ours[i], want) < 1e-13, "{i}: {} vs {want}", ours[i]);
        }
    }

    /// A scheme of one shell whose directions are the nodes of a product rule on the sphere
    /// (Gauss–Legendre in cos θ, trapezoid in φ), with the rule's weights (summing to 1).
    fn dense_shell(b: f64) -> (AcquisitionScheme, Vec<f64>) {
        let rule = crate::HalfRangeGaussLegendre::new(64);
        let (mut dirs, mut weights) = (Vec::new(), Vec::new());
        let m = 128;
        for (&t, &w) in rule.nodes().iter().zip(rule.weights()) {
            for sign in [1.0, -1.0] {
                for j in 0..m {
                    let phi = 2.0 * std::f64::consts::PI * j as f64 / m as f64;
                    let s = (1.0 - t * t).sqrt();
                    dirs.push([s * phi.cos(), s * phi.sin(), sign * t]);
                    weights.push(w / (2.0 * m as f64));
                }
            }
        }
        let bvals = vec![b; dirs.len()];
        let timing = PulseTiming::pgse(0.0106, 0.0431);
        let scheme =
            AcquisitionScheme::from_bvalues(&bvals, &dirs, timing, &SchemeOptions::default())
                .unwrap();
        (scheme, weights)
    }

    #[test]
    fn spherical_mean_of_a_dispersed_model_is_the_mean_over_the_sphere() {
        let ball_watson = |sm: bool| {
            let mut w = DistributedModel::new(
                Distribution::Watson,
                vec![
                    compartment("C1Stick").unwrap(),
                    compartment("G2Zeppelin").unwrap(),
                ],
            )
            .unwrap();
            w.set_equal_parameter("C1Stick_1_lambda_par", "G2Zeppelin_1_lambda_par")
                .unwrap();
            let c = vec![component("G1Ball").unwrap(), w.into()];
            if sm {
                MultiCompartmentModel::spherical_mean(c).unwrap()
            } else {
                MultiCompartmentModel::new(c).unwrap()
            }
        };
        let (full_model, sm_model) = (ball_watson(false), ball_watson(true));
        assert_eq!(
            sm_model.parameter_names(),
            [
                "G1Ball_1_lambda_iso",
                "SD1WatsonDistributed_1_C1Stick_1_lambda_par",
                "SD1WatsonDistributed_1_G2Zeppelin_1_lambda_perp",
                "SD1WatsonDistributed_1_SD1Watson_1_odi",
                "SD1WatsonDistributed_1_partial_volume_0",
                "partial_volume_0",
                "partial_volume_1"
            ]
        );
        for b in [1e9, 3e9] {
            let (scheme, weights) = dense_shell(b);
            let p = [2.5e-9, 2.2e-9, 0.5e-9, 0.3, 0.9, 0.35, 0.7, 0.2, 0.8];
            let e = predict(&full_model, &scheme, &full_of(&full_model, &p));
            let mean: f64 = e.iter().zip(&weights).map(|(e, w)| e * w).sum();
            let sm_p = [2.5e-9, 2.2e-9, 0.5e-9, 0.35, 0.7, 0.2, 0.8];
            let ours = predict(&sm_model, &scheme, &full_of(&sm_model, &sm_p));
            assert!(rel(ours[0], mean) < 1e-10, "b {b}: {} vs {mean}", ours[0]);
        }
    }

    #[test]
    fn derivatives_are_those_of_the_signal() {
        let scheme = reference_fixtures::scheme("hcp");
        let model = MultiCompartmentModel::turnkey("noddi_bingham").unwrap();
        let free = [0.8, -1.3, 0.7, 0.2, 0.4, 0.6, 0.3, 0.7];
        let value = |x: &[f64]| {
            let mut out = vec![0.0; scheme.len()];
            let mut scratch = model.scratch(&scheme);
            model
                .signal_free(&scheme, x, 0, &mut out, &mut scratch)
                .unwrap();
            out
        };
        for k in [2, 3, 4, 5] {
            let dual: Vec<Dual64> = free
                .iter()
                .enumerate()
                .map(|(j, &x)| {
                    if j == k {
                        Dual64::from(x).derivative()
                    } else {
                        Dual64::from(x)
                    }
                })
                .collect();
            let mut out = vec![Dual64::from(0.0); scheme.len()];
            let mut scratch = model.scratch(&scheme);
            model
                .signal_free(&scheme, &dual, 0, &mut out, &mut scratch)
                .unwrap();
            let h = 1e-6;
            let (mut up, mut down) = (free, free);
            up[k] += h;
            down[k] -= h;
            let (eu, ed) = (value(&up), value(&down));
            for i in (0..scheme.len()).step_by(7) {
                let fd = (eu[i] - ed[i]) / (2.0 * h);
                assert!(
                    (out[i].eps - fd).abs() <= 1e-6 * fd.abs().max(1e-3),
                    "parameter {k}, measurement {i}: {} vs {fd}",
                    out[i].eps
                );
            }
        }
    }

    #[test]
    fn every_turnkey_model_predicts_one_at_b0_and_attenuates_between_0_and_1() {
        let scheme = reference_fixtures::scheme("hcp");
        for (name, _) in TURNKEY_NAMES {
            let model = MultiCompartmentModel::turnkey(name).unwrap();
            let solver = crate::SolverModel::new(&model, &scheme, 1).unwrap();
            let x: Vec<f64> = crate::FitModel::bounds(&solver)
                .iter()
                .map(|(lo, hi)| 0.5 * (lo + hi))
                .collect();
            let mut out = vec![0.0; model.output_len(&scheme)];
            let mut scratch = crate::FitModel::scratch(&solver, &scheme);
            crate::FitModel::signal(&solver, &scheme, 0, &x, &mut out, &mut scratch).unwrap();
            let b0: Vec<f64> = if model.is_spherical_mean() {
                vec![out[0]]
            } else {
                (0..scheme.len())
                    .filter(|&i| scheme.b0_mask()[i])
                    .map(|i| out[i])
                    .collect()
            };
            assert!(!b0.is_empty());
            for e in b0 {
                assert!((e - 1.0).abs() < 1e-12, "{name}: b0 signal {e}");
            }
            assert!(
                out.iter().all(|e| (0.0..=1.0 + 1e-12).contains(e)),
                "{name}"
            );
            assert!(out.iter().any(|&e| e < 0.9), "{name}: no attenuation");
        }
        assert!(MultiCompartmentModel::turnkey("noddi").is_err());
    }

    #[test]
    fn model_file_with_a_distributed_entry_builds_noddi_and_round_trips() {
        let text = r#"{"compartments": ["G1Ball", {"distributed": "SD1Watson",
            "compartments": ["C1Stick", "G2Zeppelin"],
            "set_tortuous_parameter": [["G2Zeppelin_1_lambda_perp", "C1Stick_1_lambda_par", "partial_volume_0"]],
            "set_equal_parameter": [["G2Zeppelin_1_lambda_par", "C1Stick_1_lambda_par"]],
            "set_fixed_parameter": [["G2Zeppelin_1_lambda_par", 1.7e-9]]}],
            "set_fixed_parameter": [["G1Ball_1_lambda_iso", 3e-9]], "spherical_mean": false}"#;
        let from_file = MultiCompartmentModel::from_json(text).unwrap();
        let turnkey = MultiCompartmentModel::turnkey("noddi_watson").unwrap();
        assert_eq!(from_file.parameter_names(), turnkey.parameter_names());
        let again = MultiCompartmentModel::from_json(&from_file.to_json()).unwrap();
        assert_eq!(again.parameter_names(), turnkey.parameter_names());
        let scheme = reference_fixtures::scheme("hcp");
        let p = [0.3, 0.4, 0.3, 0.5, 0.2, 0.8];
        let (a, b) = (
            predict(&turnkey, &scheme, &full_of(&turnkey, &p)),
            predict(&again, &scheme, &full_of(&again, &p)),
        );
        assert_eq!(a, b);
        // Every turnkey model survives the round trip.
        for (name, _) in TURNKEY_NAMES {
            let m = MultiCompartmentModel::turnkey(name).unwrap();
            let r = MultiCompartmentModel::from_json(&m.to_json())
                .unwrap_or_else(|e| panic!("{name}: {e}\n{}", m.to_json()));
            assert_eq!(r.parameter_names(), m.parameter_names(), "{name}");
            assert_eq!(r.free_bounds(), m.free_bounds(), "{name}");
        }
        // As in Dmipy, a parameter removed by set_equal_parameter cannot be fixed afterwards.
        let bad = text.replace(
            r#"[["G2Zeppelin_1_lambda_par", 1.7e-9]]}"#,
            r#"[["C1Stick_1_lambda_par", 1.7e-9]]}"#,
        );
        let err = MultiCompartmentModel::from_json(&bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("compartments[1].set_fixed_parameter[0]") && err.contains("C1Stick"),
            "{err}"
        );
    }
}

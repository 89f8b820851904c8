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

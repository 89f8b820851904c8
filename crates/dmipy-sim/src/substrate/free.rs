//! Free (unrestricted) diffusion: no walls.

use super::{Differentiable, Hit, Substrate, valid_diffusivity};
use crate::Error;
use crate::vector::Vec3;

/// Unrestricted diffusion of diffusivity D; the signal of a PGSE is exp(−bD) (Stejskal & Tanner
/// 1965, J. Chem. Phys. 42:288, doi:10.1063/1.1695690, eq. 7).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Free {
    diffusivity: f64,
}

impl Free {
    /// Free diffusion with diffusivity `diffusivity` (m²/s).
    pub fn new(diffusivity: f64) -> Result<Self, Error> {
        Ok(Self {
            diffusivity: valid_diffusivity("diffusivity", diffusivity)?,
        })
    }
}

impl Substrate for Free {
    fn compartment_names(&self) -> &[&'static str] {
        &["free"]
    }
    fn compartment_of(&self, _p: Vec3) -> Option<usize> {
        Some(0)
    }
    fn first_hit(&self, _p: Vec3, _u: Vec3, _max_t: f64, _c: usize) -> Option<Hit> {
        None
    }
    fn diffusivity(&self, _c: usize) -> f64 {
        self.diffusivity
    }
    fn candidate(&self, _u: Vec3) -> Vec3 {
        [0.0; 3]
    }
}

impl Differentiable for Free {
    fn size(&self) -> Option<f64> {
        None
    }
    fn normal_change(&self, _dh: Vec3) -> Vec3 {
        [0.0; 3] // no walls are ever hit
    }
}

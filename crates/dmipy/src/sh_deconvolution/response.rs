//! Tissue responses from data: Tournier 2013's iterative single-fibre white-matter response and Dhollander 2016's WM/GM/CSF responses.

use super::fit::{ShVoxelFlag, fit_sh_deconvolution};
use super::kernel::ConvolutionKernel;
use super::model::{MultiCompartmentSphericalHarmonicsModel, ShFitOptions, ShSolver};
use super::peaks::{PeakFinder, PeakOptions};
use super::sphere::GeodesicSphere;
use crate::linalg::{cholesky_in_place, cholesky_solve};
use crate::log_linear_dti::{log_linear_dti, mean_b0};
use crate::{AcquisitionScheme, Error, legendre_p};
use std::f64::consts::PI;

/// A tissue response per shell of one scheme: rotational harmonics λ₀, λ₂, … of the normalised
/// signal (see [`ConvolutionKernel`]) and the mean b0 of the voxels it was estimated from.
#[derive(Debug, Clone, PartialEq)]
pub struct TissueResponse {
    /// `"WM"`, `"GM"` or `"CSF"`.
    pub name: String,
    /// Per shell (in the order of [`AcquisitionScheme::shells`]): λ₀, λ₂, … (only λ₀ when isotropic).
    pub rotational_harmonics: Vec<Vec<f64>>,
    /// Whether only λ₀ is non-zero.
    pub isotropic: bool,
    /// Mean b0 signal of the response voxels (the S0 response of multi-tissue CSD).
    pub s0: f64,
    /// Indices (into the voxels given) of the voxels it was estimated from.
    pub voxels: Vec<usize>,
}

impl TissueResponse {
    /// The response as a deconvolution kernel on `scheme` up to `sh_order` (missing orders are 0).
    pub fn kernel(
        &self,
        scheme: &AcquisitionScheme,
        sh_order: usize,
    ) -> Result<ConvolutionKernel, Error> {
        let orders = sh_order / 2 + 1;
        let padded: Vec<Vec<f64>> = self
            .rotational_harmonics
            .iter()
            .map(|r| {
                (0..orders)
                    .map(|j| r.get(j).copied().unwrap_or(0.0))
                    .collect()
            })
            .collect();
        ConvolutionKernel::from_shell_harmonics(
            &self.name,
            scheme,
            &padded,
            sh_order,
            self.isotropic,
        )
    }

    /// The response per shell as MRtrix3 writes it (`dwi2response` text files): the zonal SH
    /// coefficients $c_l$ of the signal in data units, $S(\theta) = \sum_l c_l Y_l^0(\theta)$ with
    /// the orthonormal $Y_l^0 = \sqrt{(2l+1)/4\pi}\,P_l(\cos\theta)$ (Tournier et al. 2019,
    /// NeuroImage 202:116137, doi:10.1016/j.neuroimage.2019.116137), so that
    /// $c_l = S_0\,\lambda_l\sqrt{(2l+1)/4\pi}$ from this response's $\lambda_l$ of the normalised
    /// signal (on a b0 shell $c_0 = \sqrt{4\pi}\,S_0$).
    pub fn mrtrix_zonal_coefficients(&self) -> Vec<Vec<f64>> {
        self.rotational_harmonics
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(j, &lam)| self.s0 * lam * ((4 * j + 1) as f64 / (4.0 * PI)).sqrt())
                    .collect()
            })
            .collect()
    }

    /// The response's signal along its axis and across it at each shell, $K(1)$ and $K(0)$,
    /// from $K(t) = \sum_l \lambda_l\frac{2l+1}{4\pi}P_l(t)$.
    pub fn axial_radial(&self) -> Vec<(f64, f64)> {
        self.rotational_harmonics
            .iter()
            .map(|r| {
                let at = |t: f64| -> f64 {
                    r.iter()
                        .enumerate()
                        .map(|(j, &lam)| {
                            lam * (4 * j + 1) as f64 / (4.0 * PI) * legendre_p(2 * j, t)
                        })
                        .sum()
                };
                (at(1.0), at(0.0))
            })
            .collect()
    }
}

/// Settings of [`tournier_2013`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TournierResponseOptions {
    /// Order of the response (default 8, as MRtrix's `dwi2response tournier`).
    pub sh_order: usize,
    /// Number of single-fibre voxels kept (default 300, as MRtrix).
    pub voxels: usize,
    /// Most iterations (default 10, as MRtrix).
    pub max_iter: usize,
}

impl Default for TournierResponseOptions {
    fn default() -> Self {
        Self {
            sh_order: 8,
            voxels: 300,
            max_iter: 10,
        }
    }
}

/// The single-fibre white-matter response of Tournier, Calamante & Connelly 2013 (NMR Biomed.
/// 26:1775, doi:10.1002/nbm.3017, Sec. "Recursive calibration"): start from the `voxels`
/// voxels of highest FA (log-linear DTI on the shells up to b = 1.5e9 s/m²), estimate the
/// response from their signal aligned with their principal direction, deconvolve every candidate
/// voxel with it (Tournier 2007 CSD), rank the voxels by
/// $\sqrt{|p_1|}\,(1 - |p_2|/|p_1|)^2$ of their two largest FOD peaks, keep the best `voxels`,
/// and repeat until the selection no longer changes (or `max_iter`).
///
/// `data` is `voxels × measurements` (raw signal). The response is fitted per shell as the
/// Legendre series $K(t) = \sum_l k_l P_l(t)$ of the normalised signal against
/// $t = \mathbf g\cdot\mathbf n$ over all selected voxels (least squares), then
/// $\lambda_l = 4\pi k_l/(2l+1)$. Errors when fewer than `voxels` voxels have a usable b0 or the
/// scheme has no b0.
pub fn tournier_2013(
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &TournierResponseOptions,
) -> Result<TissueResponse, Error> {
    let candidates: Vec<usize> = (0..data.len() / scheme.len().max(1)).collect();
    tournier_on(scheme, data, &candidates, options)
}

fn tournier_on(
    scheme: &AcquisitionScheme,
    data: &[f64],
    candidates: &[usize],
    options: &TournierResponseOptions,
) -> Result<TissueResponse, Error> {
    let n = scheme.len();
    let dti: Vec<Option<(f64, [f64; 3], f64)>> = candidates
        .iter()
        .map(|&v| log_linear_dti(scheme, &data[v * n..(v + 1) * n]))
        .collect();
    let mut ranked: Vec<(usize, f64)> = candidates
        .iter()
        .zip(&dti)
        .filter_map(|(&v, d)| d.map(|(fa, _, _)| (v, fa)))
        .collect();
    if ranked.len() < options.voxels || options.voxels == 0 {
        return Err(Error::InvalidArgument {
            what: "Tournier 2013 response".into(),
            reason: format!(
                "needs {} voxels with a positive b0, has {}",
                options.voxels,
                ranked.len()
            ),
        });
    }
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut selected: Vec<usize> = ranked[..options.voxels].iter().map(|r| r.0).collect();
    let mut directions: Vec<[f64; 3]> = selected
        .iter()
        .map(|&v| {
            let i = candidates
                .iter()
                .position(|&c| c == v)
                .expect("selected from candidates");
            dti[i].expect("ranked voxels have a tensor").1
        })
        .collect();
    let peaks = PeakFinder::new(
        options.sh_order,
        GeodesicSphere::new(3)?,
        PeakOptions {
            max_peaks: 2,
            relative_peak_threshold: 0.0,
            min_separation_angle: 10.0,
            refine: true,
        },
    )?;
    let usable: Vec<usize> = ranked.iter().map(|r| r.0).collect();
    let usable_data: Vec<f64> = usable
        .iter()
        .flat_map(|&v| data[v * n..(v + 1) * n].iter().copied())
        .collect();
    let mut response =
        aligned_response("WM", scheme, data, &selected, &directions, options.sh_order)?;
    for _ in 0..options.max_iter {
        let kernel = response.kernel(scheme, options.sh_order)?;
        let model =
            MultiCompartmentSphericalHarmonicsModel::new(vec![kernel], None, options.sh_order)?;
        let bound = model.bind(
            scheme,
            &ShFitOptions {
                solver: ShSolver::Tournier07(Default::default()),
                ..ShFitOptions::default()
            },
        )?;
        let fit = fit_sh_deconvolution(&bound, &usable_data)?;
        let mut scored: Vec<(usize, f64, [f64; 3])> = Vec::with_capacity(usable.len());
        for (k, &v) in usable.iter().enumerate() {
            if matches!(
                fit.flags[k],
                ShVoxelFlag::BadData | ShVoxelFlag::SolverFailed
            ) {
                continue;
            }
            let p = peaks.find(fit.fod_sh_of(k))?;
            let Some(first) = p.first() else { continue };
            let p1 = first.value.abs();
            let p2 = p.get(1).map_or(0.0, |q| q.value.abs());
            scored.push((v, p1.sqrt() * (1.0 - p2 / p1).powi(2), first.direction));
        }
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(options.voxels);
        let mut next: Vec<usize> = scored.iter().map(|s| s.0).collect();
        directions = scored.iter().map(|s| s.2).collect();
        let mut previous = selected.clone();
        previous.sort_unstable();
        let mut sorted = next.clone();
        sorted.sort_unstable();
        std::mem::swap(&mut selected, &mut next);
        response = aligned_response("WM", scheme, data, &selected, &directions, options.sh_order)?;
        if sorted == previous {
            break;
        }
    }
    Ok(response)
}

/// The per-shell Legendre fit of the normalised signals of `voxels` against the cosine of each
/// gradient to the voxel's fibre `directions`.
fn aligned_response(
    name: &str,
    scheme: &AcquisitionScheme,
    data: &[f64],
    voxels: &[usize],
    directions: &[[f64; 3]],
    sh_order: usize,
) -> Result<TissueResponse, Error> {
    let n = scheme.len();
    let orders = sh_order / 2 + 1;
    let mut per_shell = Vec::with_capacity(scheme.shells().len());
    let s0s: Vec<f64> = voxels
        .iter()
        .map(|&v| mean_b0(scheme, &data[v * n..(v + 1) * n]))
        .collect();
    for shell in scheme.shells() {
        // Normal equations of the Legendre series over every (voxel, measurement) of the shell.
        let q = if shell.is_b0 {
            1
        } else {
            orders.min(shell.indices.len() / 2).max(1)
        };
        let mut ata = vec![0.0; q * q];
        let mut aty = vec![0.0; q];
        let mut row = vec![0.0; q];
        for ((&v, d), &s0) in voxels.iter().zip(directions).zip(&s0s) {
            for &i in &shell.indices {
                let g = scheme.directions()[i];
                let t = g[0] * d[0] + g[1] * d[1] + g[2] * d[2];
                for (j, r) in row.iter_mut().enumerate() {
                    *r = legendre_p(2 * j, t);
                }
                let y = data[v * n + i] / s0;
                for a in 0..q {
                    aty[a] += row[a] * y;
                    for b in 0..q {
                        ata[a * q + b] += row[a] * row[b];
                    }
                }
            }
        }
        if !cholesky_in_place(&mut ata, q) {
            return Err(Error::InvalidArgument {
                what: format!("{name} response at b = {} s/m²", shell.bvalue),
                reason: "the shell's directions do not determine the Legendre series".into(),
            });
        }
        cholesky_solve(&ata, q, &mut aty);
        let mut lambdas: Vec<f64> = aty
            .iter()
            .enumerate()
            .map(|(j, &k)| 4.0 * PI * k / (4 * j + 1) as f64)
            .collect();
        lambdas.resize(orders, 0.0);
        per_shell.push(lambdas);
    }
    Ok(TissueResponse {
        name: name.into(),
        rotational_harmonics: per_shell,
        isotropic: false,
        s0: s0s.iter().sum::<f64>() / s0s.len() as f64,
        voxels: voxels.to_vec(),
    })
}

/// Settings of [`dhollander_2016`] (fractions of the voxels of each class kept, as MRtrix's
/// `dwi2response dhollander` defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DhollanderOptions {
    /// Order of the WM response (default 8).
    pub sh_order: usize,
    /// Fraction of the WM-class voxels kept for the WM response (default 0.5 %, at least 1).
    pub wm_fraction: f64,
    /// Fraction of the GM-class voxels kept (default 2 %).
    pub gm_fraction: f64,
    /// Fraction of the CSF-class voxels kept (default 10 %).
    pub csf_fraction: f64,
}

impl Default for DhollanderOptions {
    fn default() -> Self {
        Self {
            sh_order: 8,
            wm_fraction: 0.005,
            gm_fraction: 0.02,
            csf_fraction: 0.1,
        }
    }
}

/// WM, GM and CSF responses.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreeTissueResponse {
    /// The anisotropic white-matter response.
    pub wm: TissueResponse,
    /// The isotropic grey-matter response.
    pub gm: TissueResponse,
    /// The isotropic cerebrospinal-fluid response.
    pub csf: TissueResponse,
}

/// Three-tissue responses after Dhollander, Raffelt & Connelly 2016 ("Unsupervised 3-tissue
/// response function estimation from single-shell or multi-shell diffusion MR data without a
/// co-registered T1 image", ISMRM Workshop on Breaking the Barriers of Diffusion MRI, p. 5), in
/// the simplified form stated here: the signal decay metric
/// SDM = mean over b > 0 shells of ln(S₀/S̄_b)/b (S̄_b the shell's spherical mean) splits
/// CSF from tissue at Otsu's threshold (Otsu 1979, IEEE Trans. SMC 9:62,
/// doi:10.1109/TSMC.1979.4310076); CSF = the `csf_fraction` of highest SDM; tissue splits at
/// Otsu's threshold of the DTI FA into WM-like and GM-like; GM = the `gm_fraction` of lowest
/// FA among the GM-like; WM = [`tournier_2013`] restricted to the WM-like voxels keeping
/// `wm_fraction` of them. GM and CSF responses are λ₀ = 4π × the mean normalised shell means.
pub fn dhollander_2016(
    scheme: &AcquisitionScheme,
    data: &[f64],
    options: &DhollanderOptions,
) -> Result<ThreeTissueResponse, Error> {
    let n = scheme.len();
    let shells = scheme.shells();
    let mut means = vec![0.0; shells.len()];
    let mut sdm = Vec::new();
    let mut fa = Vec::new();
    let mut valid = Vec::new();
    for v in 0..data.len() / n {
        let signal = &data[v * n..(v + 1) * n];
        let s0 = mean_b0(scheme, signal);
        let Some((f, _, _)) = log_linear_dti(scheme, signal) else {
            continue;
        };
        scheme.spherical_means(signal, &mut means)?;
        let (mut total, mut count) = (0.0, 0);
        for (shell, &m) in shells.iter().zip(&means) {
            if !shell.is_b0 && m > 0.0 {
                total += (s0 / m).ln() / shell.bvalue;
                count += 1;
            }
        }
        if count > 0 {
            valid.push(v);
            sdm.push(total / count as f64);
            fa.push(f);
        }
    }
    let too_few = |what: &str| Error::InvalidArgument {
        what: "Dhollander 2016 responses".into(),
        reason: format!("no {what} voxels among {} usable ones", valid.len()),
    };
    let sdm_cut = otsu(&sdm).ok_or_else(|| too_few("tissue"))?;
    let mut csf: Vec<(usize, f64)> = (0..valid.len())
        .filter(|&k| sdm[k] > sdm_cut)
        .map(|k| (valid[k], sdm[k]))
        .collect();
    let tissue: Vec<usize> = (0..valid.len()).filter(|&k| sdm[k] <= sdm_cut).collect();
    let tissue_fa: Vec<f64> = tissue.iter().map(|&k| fa[k]).collect();
    let fa_cut = otsu(&tissue_fa).ok_or_else(|| too_few("tissue"))?;
    let wm_like: Vec<usize> = tissue
        .iter()
        .filter(|&&k| fa[k] > fa_cut)
        .map(|&k| valid[k])
        .collect();
    let mut gm: Vec<(usize, f64)> = tissue
        .iter()
        .filter(|&&k| fa[k] <= fa_cut)
        .map(|&k| (valid[k], fa[k]))
        .collect();
    csf.sort_by(|a, b| b.1.total_cmp(&a.1));
    gm.sort_by(|a, b| a.1.total_cmp(&b.1));
    let keep = |len: usize, f: f64| ((len as f64 * f).round() as usize).clamp(1, len.max(1));
    if csf.is_empty() || gm.is_empty() || wm_like.is_empty() {
        return Err(too_few("CSF, GM or WM"));
    }
    csf.truncate(keep(csf.len(), options.csf_fraction));
    gm.truncate(keep(gm.len(), options.gm_fraction));
    let wm = tournier_on(
        scheme,
        data,
        &wm_like,
        &TournierResponseOptions {
            sh_order: options.sh_order,
            voxels: keep(wm_like.len(), options.wm_fraction),
            max_iter: 10,
        },
    )?;
    Ok(ThreeTissueResponse {
        wm,
        gm: isotropic_response(
            "GM",
            scheme,
            data,
            &gm.iter().map(|g| g.0).collect::<Vec<_>>(),
        )?,
        csf: isotropic_response(
            "CSF",
            scheme,
            data,
            &csf.iter().map(|c| c.0).collect::<Vec<_>>(),
        )?,
    })
}

/// λ₀ = 4π × the mean over `voxels` of each shell's normalised spherical mean.
fn isotropic_response(
    name: &str,
    scheme: &AcquisitionScheme,
    data: &[f64],
    voxels: &[usize],
) -> Result<TissueResponse, Error> {
    let n = scheme.len();
    let k = scheme.shells().len();
    let mut sum = vec![0.0; k];
    let mut means = vec![0.0; k];
    let mut s0_sum = 0.0;
    for &v in voxels {
        let signal = &data[v * n..(v + 1) * n];
        let s0 = mean_b0(scheme, signal);
        scheme.spherical_means(signal, &mut means)?;
        s0_sum += s0;
        for (s, &m) in sum.iter_mut().zip(&means) {
            *s += m / s0;
        }
    }
    let count = voxels.len() as f64;
    Ok(TissueResponse {
        name: name.into(),
        rotational_harmonics: sum.iter().map(|s| vec![4.0 * PI * s / count]).collect(),
        isotropic: true,
        s0: s0_sum / count,
        voxels: voxels.to_vec(),
    })
}

/// Otsu's threshold (maximum between-class variance over 256 bins), or None for fewer than two
/// distinct values.
fn otsu(values: &[f64]) -> Option<f64> {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    const BINS: usize = 256;
    let width = (hi - lo) / BINS as f64;
    let mut hist = [0usize; BINS];
    for &v in values {
        hist[(((v - lo) / width) as usize).min(BINS - 1)] += 1;
    }
    let total = values.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &h)| i as f64 * h as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut cut) = (0.0, 0.0, -1.0, 0);
    for (i, &h) in hist.iter().enumerate() {
        w0 += h as f64;
        sum0 += i as f64 * h as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let between = w0 * w1 * (sum0 / w0 - (sum_all - sum0) / w1).powi(2);
        if between > best {
            best = between;
            cut = i;
        }
    }
    Some(lo + (cut + 1) as f64 * width)
}

"""Acquisition schemes: constructors, derived quantities against closed forms, shells, errors."""

import types
import warnings

import numpy as np
import pytest

import dmipy_rs
from dmipy_rs.core.acquisition_scheme import (
    AcquisitionScheme,
    DmipyAcquisitionScheme,
    acquisition_scheme_from_bvalues,
    acquisition_scheme_from_gradient_strengths,
    acquisition_scheme_from_qvalues,
    gtab_dipy2dmipy,
)

GAMMA = 267.513e6  # water proton gyromagnetic ratio (rad/s/T), as Dmipy's CONSTANTS
X, Y, Z = np.eye(3)


def test_hcp_scheme_matches_the_published_protocol(hcp):
    assert isinstance(hcp, DmipyAcquisitionScheme)
    assert hcp.number_of_measurements == len(hcp) == 288
    assert hcp.number_of_b0s == 18
    np.testing.assert_allclose(hcp.shell_bvalues, [0, 1e9, 2e9, 3e9], rtol=1e-12, atol=1)
    assert list(hcp.shell_sizes) == [18, 90, 90, 90]
    assert list(hcp.shell_b0_mask) == [True, False, False, False]
    assert list(hcp.unique_dwi_indices) == [1, 2, 3]
    np.testing.assert_array_equal(hcp.delta, np.full(288, 0.0106))
    np.testing.assert_array_equal(hcp.Delta, np.full(288, 0.0431))
    assert hcp.TE is None and hcp.shell_TE is None
    np.testing.assert_allclose(np.linalg.norm(hcp.gradient_directions[~hcp.b0_mask], axis=1), 1)
    # Every measurement sits in the shell of its b-value.
    np.testing.assert_allclose(
        hcp.bvalues[~hcp.b0_mask], hcp.shell_bvalues[hcp.shell_indices][~hcp.b0_mask], rtol=0.02
    )


def test_q_g_and_tau_follow_the_stejskal_tanner_relations(hcp):
    tau = hcp.Delta - hcp.delta / 3
    np.testing.assert_allclose(hcp.tau, tau, rtol=1e-15)
    np.testing.assert_allclose(hcp.qvalues, np.sqrt(hcp.bvalues / tau) / (2 * np.pi), rtol=1e-14)
    np.testing.assert_allclose(
        hcp.gradient_strengths, np.sqrt(hcp.bvalues / tau) / (GAMMA * hcp.delta), rtol=1e-14
    )
    # Dmipy 1.0.5's HCP scheme at b = 1000 s/mm²: q = 25302.03193384027 1/m.
    b1000 = np.flatnonzero(np.isclose(hcp.bvalues, 1e9))[0]
    assert hcp.qvalues[b1000] == pytest.approx(25302.03193384027, rel=1e-14)


def test_qvalue_and_gradient_strength_constructors_agree_with_bvalues():
    delta, Delta = 0.01, 0.03
    tau = Delta - delta / 3
    q = np.array([0.0, 2e4, 5e4])
    dirs = np.array([[0, 0, 0], X, Y])
    from_q = acquisition_scheme_from_qvalues(q, dirs, delta, Delta)
    np.testing.assert_allclose(from_q.bvalues, (2 * np.pi * q) ** 2 * tau, rtol=1e-15)
    np.testing.assert_array_equal(from_q.qvalues, q)
    G = 2 * np.pi * q / (GAMMA * delta)
    np.testing.assert_allclose(from_q.gradient_strengths, G, rtol=1e-14)
    from_g = acquisition_scheme_from_gradient_strengths(G, dirs, delta, Delta, TE=0.05)
    np.testing.assert_allclose(from_g.bvalues, from_q.bvalues, rtol=1e-14)
    np.testing.assert_allclose(from_g.qvalues, q, rtol=1e-14)
    np.testing.assert_array_equal(from_g.TE, np.full(3, 0.05))


def test_per_measurement_timing_splits_shells():
    b = [0.0, 1e9, 1e9, 1e9]
    s = acquisition_scheme_from_bvalues(b, [Z] * 4, delta=[0.01, 0.01, 0.01, 0.02], Delta=0.03)
    np.testing.assert_array_equal(s.delta, [0.01, 0.01, 0.01, 0.02])
    np.testing.assert_array_equal(s.Delta, np.full(4, 0.03))
    assert len(s.shell_bvalues) == 3
    assert s.shell_indices[1] == s.shell_indices[2] != s.shell_indices[3]
    np.testing.assert_array_equal(s.shell_delta, [0.01, 0.01, 0.02])


def test_thresholds_and_shell_distance_are_passed_on():
    b = [0.0, 40e6, 1e9, 1.03e9]
    default = acquisition_scheme_from_bvalues(b, [Z] * 4)
    assert list(default.b0_mask) == [True, False, False, False]
    np.testing.assert_allclose(default.shell_bvalues, [0, 40e6, 1.015e9])
    strict = acquisition_scheme_from_bvalues(b, [Z] * 4, min_b_shell_distance=20e6, b0_threshold=50e6)
    assert list(strict.b0_mask) == [True, True, False, False]
    np.testing.assert_allclose(strict.shell_bvalues, [20e6, 1e9, 1.03e9])
    assert (strict.b0_threshold, strict.min_b_shell_distance) == (50e6, 20e6)


def test_without_timing_there_is_no_q_g_or_tau():
    s = acquisition_scheme_from_bvalues([0.0, 1e9], [Z, X])
    assert s.qvalues is None and s.gradient_strengths is None and s.tau is None
    assert s.delta is None and s.Delta is None and s.shell_gradient_strengths is None
    assert "N/A" in s.summary()


def test_arrays_are_read_only(hcp):
    with pytest.raises(ValueError):
        hcp.bvalues[0] = 5.0
    with pytest.raises(ValueError):
        hcp.gradient_directions[0, 0] = 5.0


def test_print_acquisition_info_prints_one_line_per_shell(hcp, capsys):
    hcp.print_acquisition_info
    out = capsys.readouterr().out
    assert "total number of measurements: 288" in out
    assert "number of DWI shells: 3" in out
    rows = [line for line in out.splitlines() if line[:1].isdigit()]
    assert [row.split("|")[2].strip() for row in rows] == ["0", "1000", "2000", "3000"]
    assert [row.split("|")[1].strip() for row in rows] == ["18", "90", "90", "90"]
    assert rows[1].split("|")[4].strip() == "10.6"


def test_gtab_from_a_dipy_like_object_converts_s_mm2():
    gtab = types.SimpleNamespace(
        bvals=np.array([0.0, 1000.0, 2000.0]),
        bvecs=np.array([[0, 0, 0], X, Y]),
        small_delta=0.0106,
        big_delta=0.0431,
    )
    s = gtab_dipy2dmipy(gtab)
    np.testing.assert_array_equal(s.bvalues, [0, 1e9, 2e9])
    np.testing.assert_array_equal(s.delta, np.full(3, 0.0106))
    gtab.small_delta = None
    with pytest.warns(UserWarning, match="small_delta"):
        s = gtab_dipy2dmipy(gtab)
    assert s.delta is None and s.qvalues is None
    with pytest.raises(dmipy_rs.AcquisitionError, match="GradientTable"):
        gtab_dipy2dmipy(object())


def test_non_unit_directions_are_rejected_with_the_core_message():
    with pytest.raises(dmipy_rs.AcquisitionError, match=r"gradient direction 1 has norm 2\.0+, not 1"):
        acquisition_scheme_from_bvalues([0.0, 1e9], [Z, 2 * X])
    # ... unless asked to renormalise.
    s = acquisition_scheme_from_bvalues([0.0, 1e9], [Z, 2 * X], renormalize_directions=True)
    np.testing.assert_allclose(s.gradient_directions[1], X, rtol=1e-15)


def test_bad_scheme_input_raises_value_errors():
    with pytest.raises(ValueError, match=r"look like s/mm²"):
        acquisition_scheme_from_bvalues([0.0, 1000.0], [Z, X])
    with pytest.raises(dmipy_rs.DmipyError, match=r"expected 2 entries \(one per measurement\), found 3"):
        acquisition_scheme_from_bvalues([0.0, 1e9], [Z, X, Y])
    with pytest.raises(dmipy_rs.AcquisitionError, match=r"shape \(N, 3\)"):
        acquisition_scheme_from_bvalues([0.0, 1e9], np.zeros((2, 2)))
    with pytest.raises(dmipy_rs.AcquisitionError, match="one-dimensional"):
        acquisition_scheme_from_bvalues([[0.0, 1e9]], [Z, X])
    with pytest.raises(dmipy_rs.AcquisitionError, match=r"negative"):
        acquisition_scheme_from_bvalues([0.0, -1e9], [Z, X])
    with pytest.raises(dmipy_rs.AcquisitionError, match=r"not finite"):
        acquisition_scheme_from_bvalues([0.0, np.nan], [Z, X])
    with pytest.raises(dmipy_rs.DmipyError, match="delta"):
        acquisition_scheme_from_qvalues([0.0, 1e4], [Z, X], None, 0.03)
    with pytest.raises(TypeError):
        AcquisitionScheme("not a core scheme")


def test_exception_hierarchy_is_rooted_in_value_error():
    assert issubclass(dmipy_rs.DmipyError, ValueError)
    for sub in (dmipy_rs.AcquisitionError, dmipy_rs.ParameterError, dmipy_rs.MissingSchemeFieldError):
        assert issubclass(sub, dmipy_rs.DmipyError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert dmipy_rs.__version__.count(".") == 2

"""Shared fixtures: the HCP scheme, a small scheme with pulse timing, and the `dmipy` CLI."""

import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

from dmipy_rs.core.acquisition_scheme import acquisition_scheme_from_bvalues
from dmipy_rs.data.saved_acquisition_schemes import wu_minn_hcp_acquisition_scheme

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hcp():
    return wu_minn_hcp_acquisition_scheme()


def fibonacci_directions(n):
    """n nearly uniform unit vectors (golden-angle spiral), deterministic."""
    k = np.arange(n) + 0.5
    z = 1 - 2 * k / n
    phi = np.pi * (1 + 5**0.5) * k
    r = np.sqrt(1 - z**2)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=-1)


@pytest.fixture(scope="session")
def small():
    """Two shells and a b0 with δ = 10 ms, Δ = 30 ms, TE = 80 ms: 13 measurements."""
    dirs = np.vstack([[0.0, 0.0, 0.0], fibonacci_directions(6), fibonacci_directions(6)[::-1]])
    b = np.r_[0.0, [1e9] * 6, [3e9] * 6]
    return acquisition_scheme_from_bvalues(b, dirs, delta=0.01, Delta=0.03, TE=0.08)


def cli_path():
    """The `dmipy` binary: $DMIPY_CLI, else target/{debug,release}/dmipy of this repository."""
    candidates = [os.environ.get("DMIPY_CLI")] + [
        REPO / "target" / profile / "dmipy" for profile in ("debug", "release")
    ]
    for candidate in candidates:
        if candidate and pathlib.Path(candidate).is_file():
            return str(candidate)
    return None


@pytest.fixture(scope="session")
def cli_predict(tmp_path_factory):
    """Runs `dmipy predict` on a scheme for parameter dicts; returns an (n_sets, N) array."""
    binary = cli_path()
    if binary is None:
        pytest.fail("no dmipy CLI: run `cargo build -p dmipy-cli` or set DMIPY_CLI")
    folder = tmp_path_factory.mktemp("cli")

    def predict(model, scheme, parameter_sets):
        scheme_file = folder / "scheme.json"
        description = {
            "bvalues_si": scheme.bvalues.tolist(),
            "gradient_directions": scheme.gradient_directions.tolist(),
        }
        for key in ("delta", "Delta", "TE"):
            values = getattr(scheme, key)
            if values is not None:
                assert np.all(values == values[0]), "the CLI takes one timing for all"
                description[key] = float(values[0])
        scheme_file.write_text(json.dumps(description))
        lines = "".join(json.dumps(p) + "\n" for p in parameter_sets)
        done = subprocess.run(
            [binary, "predict", "--model", model, "--scheme", str(scheme_file)],
            input=lines,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return np.array([json.loads(line) for line in done.stdout.splitlines()])

    return predict

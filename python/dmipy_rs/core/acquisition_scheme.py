"""Acquisition schemes: what was measured (b, direction, δ, Δ, TE), with Dmipy 1.x's attribute names.

Build one with ``acquisition_scheme_from_bvalues``, ``acquisition_scheme_from_qvalues``,
``acquisition_scheme_from_gradient_strengths`` or ``gtab_dipy2dmipy``; the core validates the
input (lengths, unit directions, units) and raises ``AcquisitionError`` (a ``ValueError``) with
its reason.
"""

import warnings

import numpy as np

from .. import _core
from .._core import AcquisitionError

__all__ = [
    "AcquisitionScheme",
    "DmipyAcquisitionScheme",
    "acquisition_scheme_from_bvalues",
    "acquisition_scheme_from_qvalues",
    "acquisition_scheme_from_gradient_strengths",
    "gtab_dipy2dmipy",
    "gtab_dmipy2dipy",
    "calculate_shell_bvalues_and_indices",
    "acquisition_scheme_from_schemefile",
]

#: Timings (s) above this are accepted with a warning: they are usually milliseconds by mistake,
#: but Dmipy's long-time-limit checks (Δ = 1e10 s) and stimulated-echo mixing times are valid.
_LONG_TIMING_S = 1.0


def _frozen(array):
    if array is not None:
        array.setflags(write=False)
    return array


class AcquisitionScheme:
    """An acquisition scheme; all arrays are read-only, in SI units, one entry per measurement.

    Attributes (as in Dmipy's ``DmipyAcquisitionScheme``): ``bvalues`` (s/m²),
    ``gradient_directions`` (N, 3), ``qvalues`` (1/m), ``gradient_strengths`` (T/m), ``delta``,
    ``Delta``, ``TE``, ``tau`` (s; None when unknown), ``b0_mask``, ``number_of_b0s``,
    ``number_of_measurements``, ``shell_indices`` (shell of every measurement),
    ``shell_bvalues``, ``shell_delta``, ``shell_Delta``, ``shell_TE``,
    ``shell_gradient_strengths``, ``shell_b0_mask``, ``unique_dwi_indices``,
    ``min_b_shell_distance``, ``b0_threshold``; ``print_acquisition_info`` prints a summary.
    """

    def __init__(self, core_scheme):
        if not isinstance(core_scheme, _core.Scheme):
            raise TypeError(
                "build an AcquisitionScheme with acquisition_scheme_from_bvalues() or its siblings"
            )
        self._core = core_scheme
        s = core_scheme
        self.bvalues = _frozen(s.bvalues)
        self.gradient_directions = _frozen(s.gradient_directions)
        self.qvalues = _frozen(s.qvalues)
        self.gradient_strengths = _frozen(s.gradient_strengths)
        self.delta = _frozen(s.delta)
        self.Delta = _frozen(s.Delta)
        self.TE = _frozen(s.TE)
        self.tau = _frozen(s.tau)
        self.b0_mask = _frozen(s.b0_mask)
        self.number_of_measurements = len(s)
        self.number_of_b0s = int(self.b0_mask.sum())
        self.shell_indices = _frozen(s.shell_indices)
        self.b0_threshold, self.min_b_shell_distance, self.renormalize_directions = s.options()
        self._set_shells(s.shells())

    def _set_shells(self, shells):
        def column(k):
            values = [shell[k] for shell in shells]
            if any(v is None for v in values):
                return None
            return _frozen(np.array(values, dtype=float))

        self.shell_bvalues = column(0)
        self.shell_delta = column(1)
        self.shell_Delta = column(2)
        self.shell_TE = column(3)
        self.shell_b0_mask = _frozen(np.array([shell[4] for shell in shells], dtype=bool))
        self.shell_sizes = _frozen(np.array([len(shell[5]) for shell in shells], dtype=np.int64))
        self.unique_dwi_indices = _frozen(np.flatnonzero(~self.shell_b0_mask))
        if self.gradient_strengths is None:
            self.shell_gradient_strengths = None
        else:
            g = self.gradient_strengths
            means = [g[np.asarray(shell[5])].mean() for shell in shells]
            self.shell_gradient_strengths = _frozen(np.array(means, dtype=float))

    def __len__(self):
        return self.number_of_measurements

    def __reduce__(self):
        # Pickled as its b-values, directions and timings (e.g. for Dask workers).
        options = (self.b0_threshold, self.min_b_shell_distance, self.renormalize_directions,
                   _needs_lenient(self.bvalues, self.delta, self.Delta, self.TE))
        fields = (self.bvalues, self.gradient_directions, self.delta, self.Delta, self.TE)
        return (_unpickle, tuple(None if f is None else np.array(f) for f in fields) + (options,))

    def _masked(self, mask):
        """The scheme of the measurements in boolean ``mask``, with the same options."""
        def pick(values):
            return None if values is None else np.array(values)[mask]

        return acquisition_scheme_from_bvalues(
            np.array(self.bvalues)[mask],
            np.array(self.gradient_directions)[mask],
            pick(self.delta),
            pick(self.Delta),
            pick(self.TE),
            min_b_shell_distance=self.min_b_shell_distance,
            b0_threshold=self.b0_threshold,
            renormalize_directions=self.renormalize_directions,
        )

    def return_pruned_acquisition_scheme(self, shell_indices, data=None):
        """The scheme (and, if given, ``data`` (..., N)) restricted to the measurements of the
        shells in ``shell_indices`` (indices into ``shell_bvalues``), as Dmipy."""
        keep = np.isin(self.shell_indices, np.atleast_1d(np.asarray(shell_indices, dtype=int)))
        if not keep.any():
            raise AcquisitionError(
                f"no measurement in shells {shell_indices}; the scheme has shells "
                f"0..{len(self.shell_bvalues) - 1}"
            )
        scheme = self._masked(keep)
        if data is None:
            return scheme
        return scheme, np.asarray(data)[..., keep]

    def to_schemefile(self, filename):
        """Writes the scheme as a Camino STEJSKALTANNER scheme file (g_x g_y g_z |G| Δ δ TE, SI),
        as Dmipy; without TE it writes Δ + 2δ + 1 ms, as Dmipy. Needs δ and Δ."""
        if self.gradient_strengths is None:
            raise AcquisitionError("a scheme file needs delta and Delta; this scheme has none")
        te = self.TE if self.TE is not None else self.Delta + 2 * self.delta + 0.001
        table = np.column_stack(
            [self.gradient_directions, self.gradient_strengths, self.Delta, self.delta, te]
        )
        header = "#g_x  g_y  g_z  |G| DELTA delta TE\nVERSION: STEJSKALTANNER"
        np.savetxt(filename, table, header=header, comments="", fmt="%.17g")

    def __repr__(self):
        return (
            f"AcquisitionScheme({self.number_of_measurements} measurements, "
            f"{len(self.shell_bvalues)} shells, b0s: {self.number_of_b0s})"
        )

    def summary(self):
        """The text ``print_acquisition_info`` prints: one line per shell, Dmipy's units."""

        def ms(values, k):
            return "N/A" if values is None else f"{values[k] * 1e3:g}"

        lines = [
            "Acquisition scheme summary",
            "",
            f"total number of measurements: {self.number_of_measurements}",
            f"number of b0 measurements: {self.number_of_b0s}",
            f"number of DWI shells: {int(np.sum(~self.shell_b0_mask))}",
            "",
            "shell_index |# of DWIs |bvalue [s/mm^2] |gradient strength [mT/m] "
            "|delta [ms] |Delta[ms] |TE[ms]",
        ]
        g = self.shell_gradient_strengths
        for k in range(len(self.shell_bvalues)):
            strength = "N/A" if g is None else str(int(1e3 * g[k]))
            lines.append(
                f"{k:<12}|{int(self.shell_sizes[k]):<10}|{int(self.shell_bvalues[k] / 1e6):<16}"
                f"|{strength:<25}|{ms(self.shell_delta, k):<11}|{ms(self.shell_Delta, k):<10}"
                f"|{ms(self.shell_TE, k):<5}"
            )
        return "\n".join(lines)

    @property
    def print_acquisition_info(self):
        """Prints ``summary()`` (a property, as in Dmipy: write ``scheme.print_acquisition_info``)."""
        print(self.summary())


def _has_long_timing(*timings):
    return any(t is not None and np.size(t) and np.max(t) > _LONG_TIMING_S for t in timings)


def _needs_lenient(bvalues, *timings):
    """Whether rebuilding needs ``lenient_units``: timings over 1 s."""
    del bvalues
    return bool(_has_long_timing(*timings))


def _aligned(values):
    """A C-contiguous, aligned float64 array (or None): arrays unpickled on a Dask worker may sit
    in misaligned buffers, which the Rust core cannot read in place."""
    return None if values is None else np.require(values, dtype=float, requirements=["C", "A"])


def _unpickle(bvalues, gradient_directions, delta, Delta, TE, options):
    arrays = [_aligned(a) for a in (bvalues, gradient_directions, delta, Delta, TE)]
    return AcquisitionScheme(_core.scheme_from_bvalues(*arrays, *options))


#: Dmipy's class name, for ``isinstance`` checks in ported scripts.
DmipyAcquisitionScheme = AcquisitionScheme


def _vector(values, name):
    array = _aligned(values)
    if array.ndim != 1:
        raise AcquisitionError(f"{name} must be one-dimensional, got shape {array.shape}")
    return array


def _directions(values):
    array = _aligned(values)
    if array.ndim != 2:
        raise AcquisitionError(f"gradient directions must have shape (N, 3), got {array.shape}")
    return array


def _timing(value, name):
    if value is None:
        return None
    array = _aligned(np.atleast_1d(value))
    if array.ndim != 1:
        raise AcquisitionError(f"{name} must be a number or one per measurement, got {array.shape}")
    return array


def _build(constructor, values, name, gradient_directions, delta, Delta, TE, options):
    timings = {"delta": _timing(delta, "delta"), "Delta": _timing(Delta, "Delta"),
               "TE": _timing(TE, "TE")}
    long = [k for k, v in timings.items() if v is not None and v.size and np.max(v) > _LONG_TIMING_S]
    if long:
        warnings.warn(
            f"{', '.join(long)} longer than 1 s: timings are in seconds (10.6 ms is 0.0106 s); "
            "accepted as given (e.g. a long-time limit or a stimulated-echo mixing time).",
            stacklevel=3,
        )
    values = _vector(values, name)
    if long and name == "bvalues" and values.size and 0 < np.max(values) < 1e5:
        # lenient_units lifts the core's s/mm² check too; keep it (the common mistake).
        raise AcquisitionError(
            f"the largest b-value is {np.max(values):g}, which is below 1e5 s/m² (0.1 s/mm²): "
            "these look like s/mm²; multiply them by 1e6"
        )
    core = constructor(
        values,
        _directions(gradient_directions),
        timings["delta"],
        timings["Delta"],
        timings["TE"],
        *options,
        lenient_units=bool(long),
    )
    return AcquisitionScheme(core)


def acquisition_scheme_from_bvalues(
    bvalues,
    gradient_directions,
    delta=None,
    Delta=None,
    TE=None,
    min_b_shell_distance=50e6,
    b0_threshold=10e6,
    renormalize_directions=False,
):
    """A scheme from b-values (s/m²), unit gradient directions (N, 3), and optionally pulse
    duration ``delta``, separation ``Delta`` and echo time ``TE`` (s; a number, or one per
    measurement). Measurements with b ≤ ``b0_threshold`` are b0s; sorted b-values closer than
    ``min_b_shell_distance`` (s/m²) share a shell. Directions off unit length by more than 1e-3
    are an error unless ``renormalize_directions`` (not in Dmipy). q-values, gradient strengths
    and τ = Δ − δ/3 are derived when δ and Δ are given."""
    options = (b0_threshold, min_b_shell_distance, renormalize_directions)
    return _build(
        _core.scheme_from_bvalues, bvalues, "bvalues", gradient_directions, delta, Delta, TE, options
    )


def acquisition_scheme_from_qvalues(
    qvalues,
    gradient_directions,
    delta,
    Delta,
    TE=None,
    min_b_shell_distance=50e6,
    b0_threshold=10e6,
    renormalize_directions=False,
):
    """A scheme from q-values (1/m), directions (N, 3), ``delta`` and ``Delta`` (s), optional TE;
    b = (2πq)²(Δ − δ/3). Other arguments as ``acquisition_scheme_from_bvalues``."""
    options = (b0_threshold, min_b_shell_distance, renormalize_directions)
    return _build(
        _core.scheme_from_qvalues, qvalues, "qvalues", gradient_directions, delta, Delta, TE, options
    )


def acquisition_scheme_from_gradient_strengths(
    gradient_strengths,
    gradient_directions,
    delta,
    Delta,
    TE=None,
    min_b_shell_distance=50e6,
    b0_threshold=10e6,
    renormalize_directions=False,
):
    """A scheme from gradient strengths (T/m), directions (N, 3), ``delta`` and ``Delta`` (s),
    optional TE; b = (γGδ)²(Δ − δ/3). Other arguments as ``acquisition_scheme_from_bvalues``."""
    options = (b0_threshold, min_b_shell_distance, renormalize_directions)
    return _build(
        _core.scheme_from_gradient_strengths,
        gradient_strengths,
        "gradient_strengths",
        gradient_directions,
        delta,
        Delta,
        TE,
        options,
    )


def gtab_dipy2dmipy(
    dipy_gradient_table, min_b_shell_distance=50e6, b0_threshold=10e6, renormalize_directions=False
):
    """A scheme from a DIPY ``GradientTable`` (or any object with ``bvals`` in s/mm² and
    ``bvecs``, and optionally ``small_delta`` / ``big_delta`` in s). Without both timings the
    scheme cannot serve restricted models, and a warning says so, as in Dmipy."""
    try:
        bvals = np.asarray(dipy_gradient_table.bvals, dtype=float)
        bvecs = dipy_gradient_table.bvecs
    except AttributeError as error:
        raise AcquisitionError(
            "expected a DIPY GradientTable (an object with bvals and bvecs)"
        ) from error
    delta = getattr(dipy_gradient_table, "small_delta", None)
    Delta = getattr(dipy_gradient_table, "big_delta", None)
    if delta is None or Delta is None:
        warnings.warn(
            "pulse_separation (big_delta) or pulse_duration (small_delta) are not defined in the "
            "DIPY gtab; the scheme cannot serve models that need them.",
            stacklevel=2,
        )
        delta = Delta = None
    return acquisition_scheme_from_bvalues(
        bvals * 1e6,
        bvecs,
        delta=delta,
        Delta=Delta,
        min_b_shell_distance=min_b_shell_distance,
        b0_threshold=b0_threshold,
        renormalize_directions=renormalize_directions,
    )


def gtab_dmipy2dipy(dmipy_gradient_table):
    """The DIPY ``GradientTable`` of a scheme (b in s/mm², as DIPY), with its δ and Δ when it has
    them; DIPY holds one δ and one Δ, so a scheme with several raises ``ValueError``, as Dmipy.
    Needs DIPY."""
    if not isinstance(dmipy_gradient_table, AcquisitionScheme):
        raise AcquisitionError("gtab_dmipy2dipy: input must be a dmipy_rs AcquisitionScheme")
    scheme = dmipy_gradient_table
    timing = {}
    for key, values, what in (
        ("small_delta", scheme.delta, "delta (pulse duration)"),
        ("big_delta", scheme.Delta, "Delta (pulse separation)"),
    ):
        if values is None:
            continue
        unique = np.unique(values)
        if len(unique) > 1:
            raise AcquisitionError(
                f"cannot create a DIPY GradientTable for a scheme with several {what} values "
                f"({len(unique)}): a GradientTable holds one"
            )
        timing[key] = float(unique[0])
    try:
        from dipy.core.gradients import gradient_table
    except ImportError as error:
        raise ImportError("gtab_dmipy2dipy needs DIPY (pip install dipy)") from error
    return gradient_table(
        np.array(scheme.bvalues) / 1e6,
        bvecs=np.array(scheme.gradient_directions),
        b0_threshold=scheme.b0_threshold / 1e6,
        **timing,
    )


def calculate_shell_bvalues_and_indices(bvalues, max_distance=20e6):
    """Dmipy's shell clustering of b-values alone: sorted b-values at most ``max_distance``
    apart (same units) join one shell (single linkage). Returns (shell index of every value,
    mean b-value of every shell), shells in increasing b."""
    b = np.asarray(bvalues, dtype=float)
    if b.ndim != 1 or b.size == 0:
        raise AcquisitionError(f"bvalues must be a non-empty 1-D array, got shape {b.shape}")
    order = np.argsort(b, kind="stable")
    gaps = np.diff(b[order]) > max_distance
    sorted_shell = np.concatenate([[0], np.cumsum(gaps)])
    indices = np.empty(b.size, dtype=int)
    indices[order] = sorted_shell
    means = np.array([b[indices == k].mean() for k in range(sorted_shell[-1] + 1)])
    return indices, means


def acquisition_scheme_from_schemefile(file_path, min_b_shell_distance=50e6, b0_threshold=10e6):
    """A scheme from a Camino STEJSKALTANNER scheme file (g_x g_y g_z |G| Δ δ TE per line, SI;
    header lines are skipped), as Dmipy; zero directions (b0s) become [1, 0, 0]."""
    rows = []
    with open(file_path) as f:
        for number, line in enumerate(f, 1):
            text = line.split("#", 1)[0].strip()
            if not text or text.upper().startswith("VERSION"):
                continue
            try:
                values = [float(v) for v in text.split()]
            except ValueError as error:
                raise AcquisitionError(f"{file_path}:{number}: not numbers: {text!r}") from error
            if len(values) != 7:
                raise AcquisitionError(
                    f"{file_path}:{number}: expected 7 columns (g_x g_y g_z |G| DELTA delta TE), "
                    f"got {len(values)}"
                )
            rows.append(values)
    if not rows:
        raise AcquisitionError(f"{file_path}: no measurements")
    table = np.array(rows)
    bvecs = table[:, :3].copy()
    bvecs[np.linalg.norm(bvecs, axis=1) == 0] = [1.0, 0.0, 0.0]
    return acquisition_scheme_from_gradient_strengths(
        table[:, 3], bvecs, table[:, 5], table[:, 4], table[:, 6],
        min_b_shell_distance=min_b_shell_distance, b0_threshold=b0_threshold,
    )

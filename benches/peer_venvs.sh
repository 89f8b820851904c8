# Sourced by the *_vs_peers.sh benchmarks: makes (once) and names the peer virtualenvs.
# DMIPY1_VENV: Dmipy 1.0.5 (PEERS.md recipe, incl. its one-line numpy >= 1.25 patch);
# DMIPY_FIT_VENV: dmipy-fit 2.3.0 with JAX (skipped when NEED_DMIPY_FIT=0). Set either to an
# existing venv to skip the install.
DMIPY1_VENV=${DMIPY1_VENV:-benches/.venv-dmipy1}
DMIPY_FIT_VENV=${DMIPY_FIT_VENV:-benches/.venv-dmipy-fit}
if [ ! -x "$DMIPY1_VENV/bin/python" ]; then
  python3 -m venv "$DMIPY1_VENV"
  "$DMIPY1_VENV/bin/pip" install -q 'numpy<2' 'scipy<1.14' 'dipy<1.10' cvxpy numba pathos nibabel 'setuptools<81'
  "$DMIPY1_VENV/bin/pip" install -q --no-deps dmipy==1.0.5
  sed -i 's/if deltas == \[\]:/if len(deltas) == 0:/' \
    "$("$DMIPY1_VENV/bin/python" -c 'import dmipy, os; print(os.path.dirname(dmipy.__file__))')/core/acquisition_scheme.py"
fi
if [ "${NEED_DMIPY_FIT:-1}" != 0 ] && [ ! -x "$DMIPY_FIT_VENV/bin/python" ]; then
  python3 -m venv "$DMIPY_FIT_VENV"
  "$DMIPY_FIT_VENV/bin/pip" install -q 'dmipy-fit[jax]==2.3.0'
fi

#!/usr/bin/env python3
"""Runs Dmipy 1.0.5's own test suite against dmipy_rs (import root `dmipy` -> `dmipy_rs`).

A check outside CI (issue 14): it never commits or vendors Dmipy's files. It

1. finds Dmipy's sources: ``--dmipy-src`` (a checkout, or a bare git mirror such as the one the
   session's fetch tool gives), else $DMIPY_SRC, else /work/.mirror/AthenaEPI+dmipy/repo, else a
   shallow ``git clone https://github.com/AthenaEPI/dmipy`` (tag 1.0.5 is the repository's HEAD;
   the PyPI wheel and sdist carry no tests);
2. copies ``dmipy/*/tests/test_*.py`` into a temporary directory, rewriting every ``dmipy`` import
   to ``dmipy_rs`` (nothing else in the files changes);
3. writes a ``conftest.py`` there with the two shims current NumPy needs (``numpy.testing.dec``,
   removed in NumPy 1.18, with ``skipif``/``slow``; ``np.trapz``, removed in NumPy 2.4);
4. runs pytest on that directory with an interpreter that imports dmipy_rs (default: a venv
   ``.venv-conformance`` at the repository root with numpy, scipy, dipy and pytest, and the
   repository's ``python/`` on PYTHONPATH, which needs the built extension
   ``python/dmipy_rs/_core*.so`` from ``scripts/test-python.sh`` or ``maturin develop``);
5. prints the pass/fail/skip counts, the counts per test file and the failures grouped by cause
   (exception type and first line of its message), and with ``--json PATH`` writes them as JSON.

Usage (repository root):

    python3 scripts/conformance/run_dmipy_tests.py [--dmipy-src PATH] [--python PY]
        [--timeout 120] [--json out.json] [-k EXPR] [--keep] [--numpy1]

Exit status 0 whatever the count (it is a measurement, not a gate); 2 if it cannot run at all.
"""

import argparse
import ast
import collections
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

REPO = pathlib.Path(__file__).resolve().parents[2]
MIRROR = pathlib.Path("/work/.mirror/AthenaEPI+dmipy/repo")
UPSTREAM = "https://github.com/AthenaEPI/dmipy"
TEST_GLOB = re.compile(r"^dmipy/[A-Za-z_]+/tests/test_[A-Za-z0-9_]+\.py$")
VENV_PACKAGES = ["numpy", "scipy", "dipy", "pytest", "pytest-timeout"]
#: Dmipy 1.0.5's own environment (/work/shared/PEERS.md): NumPy 1.x, where its tests' `int(array)`
#: and `np.trapz` still work.
VENV_PACKAGES_NUMPY1 = ["numpy<2", "scipy<1.14", "dipy<1.10", "pytest", "pytest-timeout"]

CONFTEST = '''"""Shims for running Dmipy 1.0.5's tests on current NumPy (written by run_dmipy_tests.py)."""
import types

import numpy as np
import numpy.testing
import pytest

if not hasattr(numpy.testing, "dec"):
    dec = types.ModuleType("numpy.testing.dec")

    def skipif(condition, msg=None):
        return pytest.mark.skipif(bool(condition), reason=msg or "skipped by the test")

    def slow(function):
        return function

    dec.skipif = skipif
    dec.slow = slow
    numpy.testing.dec = dec

if not hasattr(np, "trapz"):
    np.trapz = np.trapezoid
'''


def log(message):
    print(f"[conformance] {message}", flush=True)


def is_git_dir(path):
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def test_files_from_git(git_dir, dest):
    """Writes dmipy/*/tests/test_*.py of HEAD of a (bare) git repository under dest."""
    names = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", "HEAD", "dmipy"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    files = {}
    for name in names:
        if TEST_GLOB.match(name):
            files[name] = subprocess.run(
                ["git", f"--git-dir={git_dir}", "show", f"HEAD:{name}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    return files


def test_files_from_checkout(root):
    files = {}
    for path in sorted(root.glob("dmipy/*/tests/test_*.py")):
        name = path.relative_to(root).as_posix()
        if TEST_GLOB.match(name):
            files[name] = path.read_text()
    return files


def dmipy_version(files_source):
    kind, where = files_source
    if kind == "git":
        text = subprocess.run(
            ["git", f"--git-dir={where}", "show", "HEAD:dmipy/version.py"],
            capture_output=True,
            text=True,
        ).stdout
    else:
        version_file = where / "dmipy" / "version.py"
        text = version_file.read_text() if version_file.is_file() else ""
    parts = [re.search(rf"_version_{k} = (\d+)", text) for k in ("major", "minor", "micro")]
    return ".".join(m.group(1) for m in parts if m) or "unknown"


def find_sources(argument, workdir):
    candidates = [argument, os.environ.get("DMIPY_SRC"), str(MIRROR)]
    for candidate in candidates:
        if not candidate:
            continue
        path = pathlib.Path(candidate)
        if is_git_dir(path):
            return ("git", path)
        if (path / ".git").exists() and (path / "dmipy").is_dir():
            return ("checkout", path)
        if (path / "dmipy").is_dir():
            return ("checkout", path)
        if argument and candidate == argument:
            sys.exit(f"run_dmipy_tests: {path} is neither a Dmipy checkout nor a git repository")
    clone = workdir / "dmipy-clone"
    log(f"cloning {UPSTREAM} into {clone}")
    result = subprocess.run(["git", "clone", "--depth", "1", UPSTREAM, str(clone)])
    if result.returncode != 0:
        sys.exit("run_dmipy_tests: no Dmipy sources (give --dmipy-src PATH)")
    return ("checkout", clone)


IMPORT_RE = re.compile(r"(?m)^(\s*)(from|import)(\s+)dmipy(?=[\s.])")


def rewrite(source):
    """`from dmipy...`/`import dmipy...` -> dmipy_rs; other text is left as it is."""
    return IMPORT_RE.sub(r"\1\2\3dmipy_rs", source)


def prepare(files, dest):
    for name, text in files.items():
        # dmipy/core/tests/test_x.py -> core_tests/test_x.py (package dirs keep names unique).
        _, package, _, base = name.split("/")
        target = dest / f"{package}_tests" / base
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / "__init__.py").touch()
        target.write_text(rewrite(text))
    (dest / "conftest.py").write_text(CONFTEST)


def default_python(numpy1=False):
    venv = REPO / (".venv-conformance-numpy1" if numpy1 else ".venv-conformance")
    python = venv / "bin" / "python"
    if not python.exists():
        log(f"creating {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        packages = VENV_PACKAGES_NUMPY1 if numpy1 else VENV_PACKAGES
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *packages], check=True)
    return str(python)


def environment(python):
    env = dict(os.environ)
    probe = subprocess.run(
        [python, "-c", "import dmipy_rs._core"], capture_output=True, text=True, env=env
    )
    if probe.returncode != 0:
        built = list((REPO / "python" / "dmipy_rs").glob("_core*.so"))
        if not built:
            sys.exit(
                "run_dmipy_tests: dmipy_rs is not importable and python/dmipy_rs/_core*.so is not "
                "built; run `bash scripts/test-python.sh` or `cd python && maturin develop "
                "--release` first"
            )
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in [str(REPO / "python"), env.get("PYTHONPATH")] if p
        )
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def cause_of(message, text):
    """A short cause: the exception line pytest reports, normalised."""
    line = (message or "").strip().splitlines()[0] if (message or "").strip() else ""
    if not line or line == "collection failure":
        for candidate in reversed((text or "").splitlines()):
            if candidate.startswith("E "):
                line = candidate[2:].strip()
                break
    line = re.sub(r"0x[0-9a-f]+", "0x…", line)
    line = re.sub(r"\s+", " ", line)
    return line[:160] or "(no message)"


def parse_junit(path):
    tree = ET.parse(path)
    results = []
    for case in tree.iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        outcome, cause = "passed", None
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                cause = cause_of(child.get("message"), child.text)
            elif child.tag == "skipped":
                outcome = "skipped"
                cause = cause_of(child.get("message"), child.text)
        results.append({"test": name, "outcome": outcome, "cause": cause})
    return results


def test_functions(source):
    """Names of the module-level ``test*`` functions of a test file (what pytest collects)."""
    tree = ast.parse(source)
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test")
    ]


def expand_collection_errors(results, files):
    """A test file that fails to import is one junit entry; count each of its tests instead,
    all with the import error as their cause."""
    by_module = {}
    for name, text in files.items():
        _, package, _, base = name.split("/")
        by_module[f"{package}_tests.{base[:-3]}"] = test_functions(text)
    expanded = []
    for r in results:
        module = r["test"].split("::")[-1]
        if r["test"].startswith("::") and module in by_module and r["outcome"] == "error":
            for function in by_module[module]:
                expanded.append(
                    {"test": f"{module}::{function}", "outcome": "error",
                     "cause": "import: " + r["cause"]}
                )
        else:
            expanded.append(r)
    return expanded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dmipy-src", help="Dmipy checkout or (bare) git repository")
    parser.add_argument("--python", help="interpreter that imports dmipy_rs (default: a venv)")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per test")
    parser.add_argument(
        "--numpy1", action="store_true",
        help="use a venv with NumPy 1.x, SciPy < 1.14, DIPY < 1.10 (Dmipy 1.0.5's environment)",
    )
    parser.add_argument("--json", help="write the results to this JSON file")
    parser.add_argument("-k", dest="keyword", help="pytest -k expression")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--verbose", action="store_true", help="show pytest's own output")
    args = parser.parse_args()

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="dmipy-conformance-"))
    try:
        source = find_sources(args.dmipy_src, workdir)
        files = (
            test_files_from_git(source[1], workdir)
            if source[0] == "git"
            else test_files_from_checkout(source[1])
        )
        if not files:
            sys.exit(f"run_dmipy_tests: no dmipy/*/tests/test_*.py under {source[1]}")
        log(f"Dmipy {dmipy_version(source)} from {source[1]}: {len(files)} test files")
        suite = workdir / "suite"
        prepare(files, suite)
        python = args.python or default_python(args.numpy1)
        env = environment(python)
        junit = workdir / "junit.xml"
        command = [
            python, "-m", "pytest", str(suite), "-p", "no:cacheprovider", "-q",
            f"--junitxml={junit}", "-o", "junit_family=xunit1", "--rootdir", str(suite),
            "--continue-on-collection-errors",
        ]
        has_timeout = subprocess.run(
            [python, "-c", "import pytest_timeout"], capture_output=True, env=env
        ).returncode == 0
        if has_timeout:
            command.append(f"--timeout={args.timeout}")
        if args.keyword:
            command += ["-k", args.keyword]
        log(" ".join(command))
        run = subprocess.run(
            command, cwd=suite, env=env, text=True,
            stdout=None if args.verbose else subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if not junit.exists():
            print(run.stdout or "")
            sys.exit(2)
        results = expand_collection_errors(parse_junit(junit), files)
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    counts = collections.Counter(r["outcome"] for r in results)
    per_file = collections.defaultdict(collections.Counter)
    for r in results:
        per_file[r["test"].split("::")[0]][r["outcome"]] += 1
    causes = collections.defaultdict(list)
    for r in results:
        if r["outcome"] in ("failed", "error"):
            causes[r["cause"]].append(r["test"])
    skipped = [r for r in results if r["outcome"] == "skipped"]

    print(f"\nDmipy tests against dmipy_rs: {counts['passed']} passed of {len(results)} "
          f"({counts['failed']} failed, {counts['error']} errors, {counts['skipped']} skipped)")
    print("\nper file (passed/total):")
    for name in sorted(per_file):
        c = per_file[name]
        print(f"  {c['passed']:3d}/{sum(c.values()):<3d} {name}")
    print("\nfailures by cause (most tests first):")
    for cause, tests in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"  [{len(tests)}] {cause}")
        for test in tests:
            print(f"        {test}")
    if skipped:
        print("\nskipped:")
        for r in skipped:
            print(f"  {r['test']}: {r['cause']}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"counts": dict(counts), "total": len(results), "results": results}, f,
                      indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

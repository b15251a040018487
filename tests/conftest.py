"""Shared fixtures: small models are cheap, so tests build their own with fixed seeds."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: Processes one test may keep busy at once (process pools, Dask workers, notebook kernels): the
#: cores divided among pytest-xdist's workers, so that xdist workers x inner processes <= cores.
#: On the 2-core CI machine `-n auto` starts 2 xdist workers and each test gets 1 inner process;
#: without xdist a test may use every core.
XDIST_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
INNER_WORKERS = max(1, (os.cpu_count() or 1) // XDIST_WORKERS)
# Numerical libraries would otherwise start one thread per core in every process.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, str(INNER_WORKERS))


def need_tool(name: str) -> str:
    """Path of an external tool; skip locally without it, fail in CI (where it must be installed)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _language_back_to_the_default():
    """Each test starts in the language ``CRM_LANG`` gives (English here), whatever the test before chose.

    Why: ``set_language`` (called by a Chinese ``Lab``, a CLI run with ``--lang zh`` ...) holds for the
    process, so without this a page built after a Chinese test in the same worker came out in
    Chinese, and the failure depended on the test order.
    """
    from simulations.i18n import set_language

    set_language(None)
    yield
    set_language(None)

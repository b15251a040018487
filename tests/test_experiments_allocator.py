"""Worker malloc tuning: under Dask's MALLOC_TRIM_THRESHOLD_, freed arrays are reused again once tuned."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from simulations.experiments.allocator import tune_allocator

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc only")

# Allocate, touch and free a 1 MiB array 200 times; count the page faults that cost.
_PROBE = """
import json, resource, sys
import numpy as np
from simulations.experiments.allocator import tune_allocator
tuned = tune_allocator() if sys.argv[1] == "tune" else None
np.ones(1 << 17)  # warm up numpy's own first allocations
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    np.ones(1 << 17).sum()  # 1 MiB, written then freed
print(json.dumps({"tuned": tuned, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _faults(mode: str) -> dict:
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}  # what a Dask nanny gives its workers
    out = subprocess.run([sys.executable, "-c", _PROBE, mode], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_dask_style_malloc_setting_refaults_every_array_and_tuning_stops_it():
    plain, tuned = _faults("plain"), _faults("tune")
    assert tuned["tuned"] is True
    # Untuned: each 1 MiB array is a fresh mmap, 256 pages faulted in every time (51,200 in all).
    assert plain["faults"] > 200 * 200
    # Tuned: the freed megabyte is reused from the heap; faults stay near a single array's pages.
    assert tuned["faults"] < 2_000


def test_thresholds_must_be_positive():
    with pytest.raises(ValueError, match="mmap_threshold"):
        tune_allocator(0)

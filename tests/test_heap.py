"""`sim.heap.keep_freed_memory`: memory a slice frees is reused by the next slice instead of
being handed back to the system and faulted in again (glibc only)."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

import pytest

# A slice's worth of arrays (64 of 512 KB), freed, then the same again: page faults counted
# for the second round, in a fresh process.
PROBE = """
import json, resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from sim.heap import keep_freed_memory
    keep_freed_memory()
def slice_of_arrays():
    arrays = [np.full(65536, 1.0) for _ in range(64)]
    del arrays
slice_of_arrays()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
slice_of_arrays()
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before))
"""


def _faults(mode: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(json.loads(out.stdout))


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="the thresholds are glibc's",
)
def test_a_second_slice_reuses_the_memory_of_the_first() -> None:
    pages = 64 * 65536 * 8 // 4096  # what the second round writes: 8,192 pages
    assert _faults("default") > pages // 2  # glibc gave the first round's memory back
    assert _faults("keep") < pages // 20  # kept: almost nothing faulted in again

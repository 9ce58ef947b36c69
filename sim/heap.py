"""Keep the memory a slice frees for the next slice, instead of giving it back to the system.

A slice of trials allocates and frees a few hundred arrays of a few hundred kilobytes each.
glibc's malloc hands arrays that large to the system at each `free` (above its mmap
threshold) or trims its heap once the freed top grows past a threshold, so the next slice
gets fresh pages, and each page costs a fault when first written: about 2 microseconds on a
virtual machine, which was a third of the vector engine's time on the baseline (5,500 faults
a slice of 32,768 trials). Raising both thresholds keeps that memory in the heap, where the
next slice reuses it; the peak memory of a process does not change (it is the same working
set), only that it is not handed back between slices.

Only glibc (Linux) has these knobs; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import sys

_M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 2**20  # glibc's largest allowed value
_TRIM_THRESHOLD = 512 * 2**20

_done = False


def keep_freed_memory() -> None:
    """Raise glibc's mmap and trim thresholds for this process (once; idempotent)."""
    global _done
    if _done:
        return
    _done = True
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):  # not glibc (e.g. musl without mallopt)
        return
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)

"""Imported last by the forkserver that starts a run's workers, once it has imported what
they need (`sim.worker`): it says so by creating the file named by the environment
variable SIM_FORKSERVER_READY, which the run set for it. Until then the run works on
slices itself instead of waiting for its workers (`sim.runner`). Before that it freezes
what the forkserver imported (`sim.forkserver_first` says why).

It also spares every worker the main script (`sim`'s own, pytest's or a user's). A child
of a forkserver runs that script again as it starts unless the forkserver's `__main__`
already has its path as `__file__`; the forkserver was meant to import it once
(`set_forkserver_preload(["__main__", ...])`), but until CPython 3.13.8 it never does
(gh-126631), so each worker re-imported `sim.cli` and all it imports: a tenth of a second
or more, on the run's critical path. Workers run only sim's own functions and never need
the script, so the forkserver gives its `__main__` the path the run named in
SIM_FORKSERVER_MAIN instead of running it."""

import contextlib
import gc
import os
import sys
from pathlib import Path

READY = "SIM_FORKSERVER_READY"
MAIN = "SIM_FORKSERVER_MAIN"

if os.environ.get(READY):  # in the forkserver (the run imports this module for its names)
    main = sys.modules["__main__"]
    if os.environ.get(MAIN) and not hasattr(main, "__file__"):
        main.__file__ = os.environ[MAIN]
    gc.freeze()  # what the forkserver imported (`sim.forkserver_first`): never walked again
    with contextlib.suppress(OSError):  # the run is over already: nobody is waiting
        Path(os.environ[READY]).touch()

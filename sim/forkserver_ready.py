"""Imported last by the forkserver that starts a run's workers, once it has imported what
they need (`sim.worker`): it says so by creating the file named by the environment
variable SIM_FORKSERVER_READY, which the run set for it. Until then the run works on
slices itself instead of waiting for its workers (`sim.runner`)."""

import contextlib
import os
from pathlib import Path

READY = "SIM_FORKSERVER_READY"

if os.environ.get(READY):
    with contextlib.suppress(OSError):  # the run is over already: nobody is waiting
        Path(os.environ[READY]).touch()

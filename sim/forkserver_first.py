"""Imported first by the forkserver that starts a run's workers (`sim.forkserver`): no
garbage collection while it imports their modules, and each process it forks collects
again from its first moment.

The imports allocate hundreds of thousands of objects that live as long as the process,
so collecting while they are made only costs time (about a tenth of the forkserver's
import, which a 2-worker run waits for). Once they are imported, `sim.forkserver_ready`
freezes them (`gc.freeze`): the workers' collections then never walk them, which would
cost time in every full collection and copy the pages the workers share with the
forkserver (Python's documentation of `gc.freeze` recommends exactly this for a server
that forks)."""

import gc
import os

gc.disable()
os.register_at_fork(after_in_child=gc.enable)

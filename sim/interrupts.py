"""Stop a run on SIGINT, SIGTERM or SIGHUP with nothing left behind.

Ctrl-C, `kill`, a batch scheduler's time limit and a closed terminal all mean the same:
stop now. Python turns only SIGINT into an exception; SIGTERM and SIGHUP would kill the
process on the spot, skipping the removal of the half-written run folder and leaving the
pool's workers (and the forkserver that started them) running, holding the caller's pipes.

So while a command runs (`stopped_by_signals`), each of the three signals:
1. stops every worker process of this process at once (SIGTERM, then SIGKILL after a grace
   period), and the forkserver, so that no block is finished in vain and none survives;
2. raises `Interrupted` in the main thread, which unwinds like Ctrl-C: the run folder's
   temporary `.partial-*` copy is removed on the way out;
3. lets the command print one line and exit 128 + the signal's number (130, 143, 129).

Workers themselves (`worker_started`, the pool's initializer) ignore SIGINT and SIGHUP,
which a terminal sends to its whole process group: the parent stops them, so they never
print a traceback of their own. They also exit when the run's process is gone, so even a
SIGKILL of the run leaves no worker (nor forkserver) behind.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
GRACE_SECONDS = 2.0  # from SIGTERM to SIGKILL for a worker that does not stop


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal. A KeyboardInterrupt, so that code which cleans up
    after Ctrl-C cleans up after SIGTERM and SIGHUP too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        """128 + the signal number, as a shell reports a process killed by it."""
        return 128 + self.signum


_workers_stopped = False  # `stop_workers` has run: pools are closed without waiting


def stop_workers() -> None:
    """Stop every child process started through multiprocessing (the pool's workers), then
    the forkserver. Safe to call from a signal handler and more than once."""
    global _workers_stopped
    _workers_stopped = True
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(GRACE_SECONDS)
        if child.is_alive():
            child.kill()
            child.join(GRACE_SECONDS)
    stop_forkserver()


def stop_forkserver() -> None:
    """The forkserver would exit by itself once this process has gone; stop it now, so that
    a caller waiting on the run's pipes is not kept waiting. Not reaped here: the
    multiprocessing module reaps it, and starts a new one if it is needed again."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if isinstance(pid, int):
        with contextlib.suppress(OSError):  # gone already
            os.kill(pid, signal.SIGTERM)


def close_pool(pool: Executor) -> None:
    """Shut a process pool down: waiting for its workers, unless `stop_workers` has killed
    them (a signal stopped the run).

    A worker killed while sending its result back leaves half a message in the pool's
    result pipe, and the pool's manager thread waits forever for the rest (the run itself
    holds the pipe's write end open), so a shutdown that waits for that thread, or the
    interpreter's exit, which joins it too, would never return. Closing the run's write end
    (a private attribute of `ProcessPoolExecutor`, looked up defensively) ends that wait:
    the thread reads an end of file, finds the pool broken, and exits. If it still has not
    after a grace period, `finish` ends the process without waiting for it."""
    if not _workers_stopped:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown forgets it
    results = getattr(pool, "_result_queue", None)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()
    pool.shutdown(wait=False, cancel_futures=True)
    if isinstance(manager, threading.Thread):
        manager.join(2 * GRACE_SECONDS)
        if manager.is_alive():
            _stuck.append(manager)


_stuck: list[threading.Thread] = []  # threads of abandoned pools that did not end


def finish(status: int) -> NoReturn:
    """End a command stopped by a signal (its folder already removed) with `status`: as
    usual, or, if an abandoned pool's thread is still stuck (`close_pool`), at once, since
    the interpreter's exit would wait for it forever."""
    if not any(t.is_alive() for t in _stuck):
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    stop_forkserver()
    os._exit(status)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Within: SIGINT, SIGTERM and SIGHUP stop the workers and raise `Interrupted`. A second
    signal while the first is being handled is ignored, so that the clean-up finishes.
    Outside the main thread (where Python cannot handle signals) this does nothing."""
    global _workers_stopped
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _workers_stopped = False  # a new command in a process that was stopped before
    stopping = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        stop_workers()
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def worker_started() -> None:
    """Pool initializer: leave SIGINT and SIGHUP to the parent, and die with the run.

    A worker's parent is the forkserver, not the run, and the forkserver exits only once its
    workers have (they hold its liveness pipe), while a pool worker waits for work forever:
    so after a SIGKILL of the run, nothing would ever exit. Each worker therefore watches
    the run itself (the sentinel multiprocessing gives it, closed when the run dies) and
    exits with it; then the forkserver and the resource tracker exit too."""
    for name in ("SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None and parent.sentinel is not None:
        threading.Thread(
            target=_exit_with, args=(parent.sentinel,), name="exit-with-run", daemon=True
        ).start()


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)

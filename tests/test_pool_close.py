"""A pool whose worker died half-way through sending its result: once `stop_workers` has
run (as a signal makes it), `interrupts.close_pool` must not wait for it forever (the run
stopped by a signal would hang, as CI once saw).

The worker writes the header of a 1,000-byte message and 10 bytes of it to the pool's
result pipe, then kills itself: the pool's manager thread is left in `recv()` waiting for
the other 990 bytes, which a plain `shutdown(wait=True)` (or the interpreter's exit) waits
for. Each case runs in its own interpreter with a time limit, so a hang fails the test
instead of stopping the suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, signal, struct, sys, time
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    from sim import interrupts

    def die_mid_message():
        frame = sys._getframe()
        while "result_queue" not in frame.f_locals:
            frame = frame.f_back
        writer = frame.f_locals["result_queue"]._writer
        os.write(writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
        os.kill(os.getpid(), signal.SIGKILL)

    if __name__ == "__main__":
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        manager_future = pool.submit(die_mid_message)
        manager = pool._executor_manager_thread
        time.sleep(1.0)  # the worker has written its half message and died
        assert manager.is_alive()  # stuck in recv(): the state to get out of
        started = time.monotonic()
        if STOPPING:
            interrupts.stop_workers()  # what a signal does first: the pool is not waited for
        interrupts.close_pool(pool)
        print(f"closed in {time.monotonic() - started:.1f} s; "
              f"manager alive: {manager.is_alive()}", flush=True)
        interrupts.finish(0)
    """
)


def run(stopping: bool, seconds: float) -> subprocess.CompletedProcess[str] | None:
    try:
        return subprocess.run(
            [sys.executable, "-c", SCRIPT.replace("STOPPING", str(stopping))],
            capture_output=True,
            text=True,
            timeout=seconds,
        )
    except subprocess.TimeoutExpired:
        return None


def test_a_stopping_close_ends_the_pool_a_half_sent_result_left_stuck() -> None:
    done = run(stopping=True, seconds=60)  # about 1 s; generous for a loaded machine
    assert done is not None, "close_pool hung on the half-sent result"
    assert done.returncode == 0, done.stderr
    assert "manager alive: False" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_the_half_sent_result_does_hang_a_waiting_shutdown() -> None:
    """The case above is the real trap: a close that waits for the pool never returns."""
    assert run(stopping=False, seconds=8) is None

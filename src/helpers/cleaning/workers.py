"""How the cleaning pool starts its workers, so that each starts ready instead of importing pandas, pyarrow and
pandera again.

The command line forks itself on Linux: its process has loaded everything and runs nothing else, so a fork
is safe. A library caller (a notebook, the test suite) may have library threads at work, which a fork would
copy mid-step: its workers come from a fork server that has loaded the cleaning code (POSIX), or are
spawned (elsewhere).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import sys

PRELOAD = ["helpers.cleaning.source"]


def context(fork: bool = False) -> multiprocessing.context.BaseContext:
    """Fork (when the caller says its process may be forked, on Linux), else the preloading fork server, else
    spawn."""
    if fork and sys.platform == "linux":
        return multiprocessing.get_context("fork")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload(PRELOAD)
    return server


PR_SET_PDEATHSIG = 1


def dies_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies, `kill -9` included (Linux; elsewhere nothing):
    a killed run then leaves no worker behind. A parent already gone by now means exiting at once."""
    if sys.platform != "linux":
        return
    import ctypes
    import os
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:
        os._exit(1)

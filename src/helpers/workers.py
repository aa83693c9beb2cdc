"""Process start for the cleaning pool: a fork server that has loaded the cleaning code, where the platform
has one (POSIX), so that each worker starts ready instead of importing pandas, pyarrow and pandera again."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver

PRELOAD = ["helpers.cleaning.run"]


def context() -> multiprocessing.context.BaseContext:
    """The fork server (preloading the cleaning code) on POSIX, spawn elsewhere."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    server = multiprocessing.get_context("forkserver")
    server.set_forkserver_preload(PRELOAD)
    return server


def start_early() -> None:
    """Start the fork server now, so that it loads the libraries while this process loads its own."""
    if context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()

"""Where reports run: a pool of local worker processes (default), or a Dask distributed cluster.

Local pool: each worker is a process of its own group that keeps its kernel between reports. The parent
hands out one job at a time and watches the clock: a worker that sends no sign of progress (ALIVE: a cell
starting or ending, an output written) for the hard timeout is killed with its kernel, its job is reported as
failed, and a fresh worker takes its place.
Dask: the same `render_job` is submitted to the cluster's workers, which keep their kernels the same way
(reports in threads of one worker process take turns on its kernel; a kernel started for other code is
replaced); reports and data/processed must be on storage that every worker sees. The scheduler's address is
checked before a connection is tried, the connection is bounded (report.yaml `batch.dask.connect_s`), and a
cluster left without any worker for `batch.dask.no_workers_s` fails the reports not yet finished. Dask has no
hard timeout per report here (a thread cannot be killed): the cell timeout is the guard.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import time
import uuid
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path

from helpers.batch.jobs import Job, RunError
from helpers.batch.worker import SCRATCH_PREFIX, Outcome, Settings, failure_log, render_job

Todo = list[tuple[Job, str]]
Report = Callable[[Outcome], None]
ALIVE = "alive"  # what a local worker sends at each sign of progress of its report
SCHEMES = ("tcp", "tls", "ws", "wss", "inproc")  # distributed's transports that need no extra package


def _die_with_parent() -> None:
    """Linux: the kernel sends this worker SIGKILL when the parent run dies, so no orphan keeps publishing."""
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _serve(conn: Connection, settings: Settings) -> None:
    os.setpgrp()  # the worker's own group, so that the parent can kill it whole
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what an interrupt means
    while (message := conn.recv()) is not None:
        job, digest = message
        conn.send(render_job(job, settings, digest, beat=lambda: conn.send(ALIVE)))


def _descendants(pid: int) -> list[int]:
    """Processes below `pid` (Linux /proc): the worker's kernel runs in a session of its own."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class _Worker:
    def __init__(self, settings: Settings) -> None:
        parent, child = multiprocessing.get_context("spawn").Pipe()
        self.conn = parent
        self.process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child, settings),
                                                                    daemon=True)
        self.process.start()

    def kill(self) -> None:
        """Kill the worker, its process group and its kernel (which runs in a session of its own)."""
        below = _descendants(self.process.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for pid in below:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.join(timeout=5)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.kill()


def run_local(todo: Todo, settings: Settings, workers: int, report: Report) -> None:
    """Render every job on `workers` warm local processes; `report` is called as each one finishes."""
    queue = deque(todo)
    idle = [_Worker(settings) for _ in range(min(workers, len(todo)))]
    busy: dict[Connection, tuple[_Worker, Job, str, float]] = {}
    try:
        while queue or busy:
            while queue and idle:
                worker, (job, digest) = idle.pop(), queue.popleft()
                try:
                    worker.conn.send((job, digest))
                except OSError:  # the worker died while idle: replace it, the job waits for the next one
                    worker.kill()
                    idle.append(_Worker(settings))
                    queue.appendleft((job, digest))
                    continue
                busy[worker.conn] = (worker, job, digest, time.monotonic())
            for conn in wait(list(busy), timeout=1.0):
                worker, job, digest, _ = busy.pop(conn)
                try:
                    outcome = conn.recv()
                    if outcome == ALIVE:  # a sign of progress: the watchdog's clock starts again
                        busy[conn] = (worker, job, digest, time.monotonic())
                        continue
                except (EOFError, OSError):
                    worker.kill()
                    worker = _Worker(settings)
                    outcome = Outcome(job, digest, error="工作进程意外退出（内存不足或被终止）")
                    failure_log(settings.reports, outcome)
                idle.append(worker)  # before `report`, which may stop the run (a full disk): then it is closed too
                report(outcome)
            for conn, (worker, job, digest, started) in list(busy.items()):
                if time.monotonic() - started > settings.hard_timeout:
                    busy.pop(conn)
                    worker.kill()
                    _remove_scratch(settings.reports, job)
                    limit = f"{settings.hard_timeout:.0f}"
                    outcome = Outcome(job, digest, error=f"超时：{limit} 秒没有进展，已终止该报告的进程")
                    failure_log(settings.reports, outcome)
                    report(outcome)
                    idle.append(_Worker(settings))
    finally:
        for worker, *_ in busy.values():
            worker.kill()
        for worker in idle:
            worker.close()


def check_scheduler(address: str | None) -> str:
    """The Dask scheduler's address (scheme://host:port, tcp:// when no scheme is written), checked before any
    connection is tried; a RunError saying what is wrong with it otherwise."""
    from distributed.comm.addressing import parse_address, parse_host_port

    text = (address or "").strip()
    try:
        scheme, location = parse_address(text if "://" in text else f"tcp://{text}")
        if scheme not in SCHEMES:
            raise ValueError(scheme)
        if scheme != "inproc" and not 0 < parse_host_port(location)[1] < 65536:
            raise ValueError(location)
    except (ValueError, TypeError):
        raise RunError(f"Dask 调度器地址无效：{address!r}（应为 协议://主机:端口，例如 tcp://10.0.0.5:8786；协议可用 "
                       f"{'、'.join(SCHEMES)}）") from None
    return text


def _connect(address: str, seconds: float):  # noqa: ANN202 — distributed.Client
    from distributed import Client

    try:
        return Client(address, timeout=seconds)
    except (OSError, TimeoutError):
        raise RunError(f"无法连接 Dask 调度器 {address}（{seconds:.0f} 秒内未连上）：请检查调度器是否在运行、地址和端口"
                       "是否正确、网络是否可达，或不加 --executor dask 在本机运行") from None
    except Exception as problem:  # noqa: BLE001 — a transport's own error (tls without certificates, …)
        raise RunError(f"无法连接 Dask 调度器 {address}：{type(problem).__name__}: {problem}") from None


def _has_workers(client) -> bool:  # noqa: ANN001 — distributed.Client
    try:
        return bool(client.nthreads())
    except Exception:  # noqa: BLE001 — a scheduler that cannot answer has no worker for us either
        return False


def run_dask(todo: Todo, settings: Settings, scheduler: str, report: Report, *, connect_s: float,
             no_workers_s: float, notice: Callable[[str], None], poll: float = 0.5) -> None:
    """Submit every job to the Dask cluster at `scheduler` and report each as it completes; when the cluster has
    had no worker for `no_workers_s` seconds, the jobs not yet finished are cancelled and reported failed."""
    from distributed import as_completed

    with _connect(check_scheduler(scheduler), connect_s) as client:
        futures = {client.submit(render_job, job, settings, digest, pure=False,
                                 key=f"report-{job.year}-{job.area_code}-{uuid.uuid4().hex[:8]}"): (job, digest)
                   for job, digest in todo}
        pending, alone_since = as_completed(futures), None
        while not pending.is_empty():
            ready = pending.next_batch(block=False)
            for future in ready:
                job, digest = futures[future]
                try:
                    outcome = future.result()
                except Exception as problem:  # noqa: BLE001 — a lost worker fails its report, not the run
                    outcome = Outcome(job, digest, error=f"{type(problem).__name__}: {problem}")
                    failure_log(settings.reports, outcome)
                report(outcome)
            if ready or _has_workers(client):
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
                notice(f"Dask 集群当前没有工作进程：{no_workers_s:.0f} 秒内仍没有，未完成的报告将记为失败")
            elif time.monotonic() - alone_since > no_workers_s:
                left = [f for f in futures if not f.done()]
                client.cancel(left)
                for future in left:
                    outcome = Outcome(*futures[future], error=f"Dask 集群已有 {no_workers_s:.0f} 秒没有可用的工作进程，"
                                                              "报告未完成")
                    failure_log(settings.reports, outcome)
                    report(outcome)
                return
            if not ready:
                time.sleep(poll)


def _remove_scratch(reports: Path, job: Job) -> None:
    for folder in (reports / str(job.year)).glob(f"{SCRATCH_PREFIX}{job.stem}-*"):
        shutil.rmtree(folder, ignore_errors=True)

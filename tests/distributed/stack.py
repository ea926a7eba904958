"""Long-running processes for a test: started in sessions of their own, stopped by PID, measured.

A test that runs Airflow's scheduler, API server and Celery workers natively must never leave one
behind, even when it fails half-way. Each process therefore starts as the leader of a new session
(its PID is its process group's ID), writes to a log file of its own, and :meth:`ProcessStack.stop`
sends SIGTERM to each group, waits, SIGKILLs what is left and reports any survivor by PID, so the
test can assert there is none. Nothing here knows about Airflow: the test says what to start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import psutil

T = TypeVar("T")


class StackError(AssertionError):
    """A process died, a command failed or something did not happen in time; says which, with logs."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    """The last lines of a log file ('' if it does not exist yet)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True)
class Deadline:
    """One time budget shared by every wait of a test, so the whole test is bounded, not each step."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return max(0.0, self.started + self.seconds - time.monotonic())

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Service:
    """A started process: its name, its Popen (PID = process group ID) and its log file."""

    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid


class ProcessStack:
    """Processes started for one test, all with the same environment, each logging to ``logs/``."""

    def __init__(self, workdir: Path, env: dict[str, str], cwd: Path) -> None:
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = env
        self.cwd = cwd
        self.services: list[Service] = []
        self.peak_rss = 0  # summed resident memory: counts pages shared by forked processes once each
        self.peak_pss = 0  # summed proportional set size: shared pages split between their sharers
        self._sampler: threading.Thread | None = None
        self._sampling = threading.Event()

    # --- starting and running ----------------------------------------------------------------

    def start(self, name: str, argv: Sequence[str], extra_env: dict[str, str] | None = None) -> Service:
        """Start a long-running process as the leader of a new session; output goes to logs/<name>.log."""
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(
                list(argv),
                env={**self.env, **(extra_env or {})},
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        service = Service(name, popen, log)
        self.services.append(service)
        return service

    def run(self, name: str, argv: Sequence[str], timeout: float) -> str:
        """Run a one-shot command to completion (logged like a service); its output, or StackError."""
        log = self.logs / f"{name}.log"
        with log.open("ab") as out:
            try:
                completed = subprocess.run(
                    list(argv),
                    env=self.env,
                    cwd=self.cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    start_new_session=True,
                )
            except subprocess.TimeoutExpired as err:
                raise StackError(f"{name}: still running after {timeout:.0f} s\n{tail(log)}") from err
        if completed.returncode != 0:
            raise StackError(f"{name}: exit code {completed.returncode}\n{tail(log)}")
        return log.read_text(encoding="utf-8", errors="replace")

    def assert_running(self) -> None:
        """StackError naming the first service that has exited, with the end of its log."""
        for service in self.services:
            code = service.popen.poll()
            if code is not None:
                raise StackError(f"{service.name} (PID {service.pid}) exited with code {code}\n{tail(service.log)}")

    def wait_until(self, condition: Callable[[], T], what: str, deadline: Deadline, interval: float = 1.0) -> T:
        """Poll ``condition`` until it returns something truthy; fail at once if a service dies."""
        while True:
            self.assert_running()
            result = condition()
            if result:
                return result
            if deadline.remaining() <= 0:
                raise StackError(f"timed out after {deadline.elapsed():.0f} s waiting for {what}")
            time.sleep(min(interval, deadline.remaining()))

    def tails(self, lines: int = 30) -> str:
        """The end of every log, one block per process, for a failure message."""
        blocks = []
        for log in sorted(self.logs.glob("*.log")):
            blocks.append(f"----- {log.name} (last {lines} lines) -----\n{tail(log, lines)}")
        return "\n".join(blocks)

    @contextlib.contextmanager
    def logs_on_failure(self) -> Iterator[None]:
        """Print every log's tail if the block fails, so a CI failure explains itself."""
        try:
            yield
        except BaseException:
            print(self.tails(60))
            raise

    # --- memory ------------------------------------------------------------------------------

    def _tree(self, service: Service) -> list[psutil.Process]:
        try:
            leader = psutil.Process(service.pid)
            return [leader, *leader.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def memory(self) -> tuple[int, int]:
        """(RSS, PSS) in bytes, summed over every started process and its descendants."""
        rss = pss = 0
        for service in self.services:
            for proc in self._tree(service):
                with contextlib.suppress(psutil.Error, OSError):
                    info = proc.memory_full_info()
                    rss += info.rss
                    pss += getattr(info, "pss", info.rss)
        return rss, pss

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by each service, its living descendants and the
        descendants they have reaped (a task process's time is counted once its worker waits for it)."""
        used: dict[str, float] = {}
        for service in self.services:
            total = 0.0
            for proc in self._tree(service):
                with contextlib.suppress(psutil.Error, OSError):
                    t = proc.cpu_times()
                    total += t.user + t.system + t.children_user + t.children_system
            used[service.name] = total
        return used

    def start_sampling(self, interval: float = 1.0) -> None:
        """Record the peaks of :meth:`memory` in the background (``peak_rss``, ``peak_pss``) until :meth:`stop`."""

        def sample() -> None:
            while not self._sampling.wait(interval):
                rss, pss = self.memory()
                self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

        self._sampler = threading.Thread(target=sample, name="rss-sampler", daemon=True)
        self._sampler.start()

    # --- stopping ----------------------------------------------------------------------------

    def _members(self, service: Service) -> list[psutil.Process]:
        """The leader, its descendants and anything else still in its process group."""
        found = {proc.pid: proc for proc in self._tree(service)}
        for proc in psutil.process_iter():
            with contextlib.suppress(psutil.Error, ProcessLookupError):
                if proc.pid not in found and os.getpgid(proc.pid) == service.pid:
                    found[proc.pid] = proc
        return list(found.values())

    @staticmethod
    def _alive(proc: psutil.Process) -> bool:
        try:
            return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def stop(self, grace: float = 20.0) -> list[str]:
        """SIGTERM every group, wait up to ``grace`` s, SIGKILL the rest; the survivors (should be none)."""
        self._sampling.set()
        if self._sampler is not None:
            self._sampler.join(timeout=5)
        started = [s for s in self.services if s.popen.poll() is None]
        members = {s.name: self._members(s) for s in started}
        for service in started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(service.pid, signal.SIGTERM)
        end = time.monotonic() + grace
        for service in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.popen.wait(timeout=max(0.1, end - time.monotonic()))
        for name, procs in members.items():
            psutil.wait_procs([p for p in procs if self._alive(p)], timeout=max(0.1, end - time.monotonic()))
            service = next(s for s in started if s.name == name)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(service.pid, signal.SIGKILL)  # harmless if the group is gone already
            for proc in procs:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
        for service in started:
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.popen.wait(timeout=5)
        survivors = []
        for service in started:
            seen = {p.pid: p for p in members[service.name]} | {p.pid: p for p in self._members(service)}
            alive = [p for p in seen.values() if self._alive(p)]
            psutil.wait_procs(alive, timeout=5)
            survivors += [f"{service.name}: PID {p.pid}" for p in alive if self._alive(p)]
        return survivors

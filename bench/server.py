"""Processes under test: a ``uvicorn --workers N`` server on loopback, with its workers' memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from core.serving import HTTP_PROTOCOL
from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces or parentheses: the ppid follows the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far (``/proc/<pid>/stat`` utime + stime)."""
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass  # a process that ended took its time with it
    return total / CLOCK_TICKS


def postgres_pids(data_dir: Path) -> list[int]:
    """The postmaster and its children (backends, autovacuum, writers) of a data directory."""
    try:
        postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return []
    return [postmaster, *_children(postmaster)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Uvicorn:
    """``python -m uvicorn APP --workers N`` on 127.0.0.1; the environment selects the database."""

    def __init__(self, app: str, env: dict[str, str], *, workers: int = 2, name: str = "server") -> None:
        self.app, self.workers, self.name = app, workers, name
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.gettempdir()) / f"cc-bench-{name}-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        self.log = self.log_path.open("w")
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--http",  # TCP_NODELAY on pre-bound (--workers) sockets, as ``customer-center serve`` does
            HTTP_PROTOCOL,
            "--no-access-log",
            "--log-level",
            "warning",
        ]

    def wait_ready(self, timeout: float = 90) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                up = httpx.get(self.url + "/healthz", timeout=1).status_code == 200
                if up and len(self.worker_pids()) >= (self.workers if self.workers > 1 else 0) and self._idle():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: {self.log_path.read_text()[-2000:]}")

    def _cpu_ticks(self) -> float:
        return cpu_seconds(self.worker_pids())

    def _idle(self) -> bool:
        """Every worker has finished importing (no CPU used over a short interval)."""
        before = self._cpu_ticks()
        time.sleep(0.3)
        return self._cpu_ticks() == before

    def worker_pids(self) -> list[int]:
        """The processes serving requests (the master itself when there is a single worker)."""
        if self.proc is None:
            return []
        if self.workers <= 1:
            return [self.proc.pid]
        kids = [p for p in _children(self.proc.pid) if "resource_tracker" not in _cmdline(p)]
        return kids

    def rss_mb(self) -> float:
        return sum(_status_kb(p, "VmRSS") for p in self.worker_pids()) / 1024

    def peak_mb(self) -> float:
        return sum(_status_kb(p, "VmHWM") for p in self.worker_pids()) / 1024

    def reset_peak(self) -> bool:
        """Reset each worker's peak RSS (``VmHWM``) so a later reading covers one workload only."""
        ok = True
        for p in self.worker_pids():
            try:
                Path(f"/proc/{p}/clear_refs").write_text("5")
            except OSError:
                ok = False
        return ok

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.proc = None
        if self.log_path.stat().st_size == 0:  # a server that said nothing leaves nothing behind
            self.log_path.unlink(missing_ok=True)

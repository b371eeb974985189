"""HTTP load: uvicorn servers as separate processes, and wrk (or an httpx fallback) to drive them."""
from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
UVICORN_OPTIONS = ["--host", "127.0.0.1", "--workers", "1", "--log-level", "warning", "--no-access-log",
                   "--loop", "uvloop", "--http", "httptools"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One uvicorn process (a single worker, so its pid is the process serving requests)."""

    def __init__(self, name: str, target: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"server-{name}.log"
        self._log = open(self.log_path, "w")
        cmd = [sys.executable, "-m", "uvicorn", *target, "--port", str(self.port), *UVICORN_OPTIONS]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited: {self.log_path.read_text()[-3000:]}")
            try:
                httpx.get(self.base + path, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} server did not start within {timeout:.0f} s; see {self.log_path}")

    def peak_rss_mb(self) -> float | None:
        """VmHWM: the most resident memory the server process has used so far."""
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return int(found.group(1)) / 1024 if found else None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@dataclass
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


class Load:
    """Fixed-duration closed-loop load on one URL: wrk when installed, else an asyncio httpx client."""

    def __init__(self, *, duration: float, warmup: float, connections: int, headers: dict[str, str]):
        self.duration, self.warmup, self.connections, self.headers = duration, warmup, connections, headers
        self.wrk = shutil.which("wrk")

    @property
    def tool(self) -> str:
        return "wrk" if self.wrk else "httpx (wrk not installed)"

    def run(self, url: str, *, connections: int | None = None) -> LoadResult:
        conns = connections or self.connections
        if self.warmup > 0:
            self._once(url, conns, self.warmup)
        return self._once(url, conns, self.duration)

    def _once(self, url: str, conns: int, seconds: float) -> LoadResult:
        if self.wrk:
            return self._wrk(url, conns, seconds)
        return asyncio.run(_httpx_load(url, conns, seconds, self.headers))

    def _wrk(self, url: str, conns: int, seconds: float) -> LoadResult:
        cmd = [self.wrk, "-t1", f"-c{conns}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
        for k, v in self.headers.items():
            cmd += ["-H", f"{k}: {v}"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        total = int(re.search(r"(\d+) requests in", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        errors = (int(bad.group(1)) if bad else 0) + (sum(int(x) for x in sock.groups()) if sock else 0)
        return LoadResult(rps, _wrk_ms(out, "50%"), _wrk_ms(out, "99%"), total, errors)


def _wrk_ms(out: str, pct: str) -> float:
    found = re.search(rf"^\s+{re.escape(pct)}\s+([\d.]+)(us|ms|s)\b", out, re.M)
    if not found:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _httpx_load(url: str, conns: int, seconds: float, headers: dict[str, str]) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as client:
        stop = time.perf_counter() + seconds

        async def worker():
            nonlocal errors
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    resp = await client.get(url)
                    await resp.aread()
                    if resp.status_code >= 400:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conns)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
    return LoadResult(len(latencies) / elapsed, statistics.median(latencies) * 1000 if latencies else float("nan"),
                      p(0.99), len(latencies), errors)

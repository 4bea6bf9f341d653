"""Driving wrk: one run against one URL, its result read from the JSON line that bench/lua/bench.lua prints."""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LUA = Path(__file__).resolve().parent / "lua" / "bench.lua"


class LoadError(RuntimeError):
    pass


@dataclass
class Load:
    """How hard to push: wrk's -t, -c, -d (seconds) and its per-request timeout."""

    threads: int = 2
    connections: int = 16
    duration: float = 8
    timeout: float = 10


@dataclass
class Result:
    requests: int
    seconds: float
    statuses: dict
    socket_errors: dict
    latency_us: dict
    pool_exhausted: int = 0
    raw: dict = field(default_factory=dict)
    server_cpu_seconds: float | None = None  # set by the caller, who knows the server

    @property
    def cpu_ms(self):
        """Server CPU milliseconds per request."""
        if self.server_cpu_seconds is None or not self.requests:
            return None
        return self.server_cpu_seconds * 1000 / self.requests

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def count(self, predicate):
        return sum(n for status, n in self.statuses.items() if predicate(status))

    @property
    def ok(self):
        return self.count(lambda s: 200 <= s < 300)

    @property
    def conflicts(self):
        return self.statuses.get(409, 0)

    @property
    def errors(self):
        """Every answer that is neither 2xx nor 409, plus every connection failure and timeout."""
        return self.count(lambda s: not (200 <= s < 300 or s == 409)) + sum(self.socket_errors.values())

    def as_dict(self):
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "socket_errors": self.socket_errors,
            "latency_ms": {k: round(v / 1000, 3) for k, v in self.latency_us.items()},
            "errors": self.errors,
            "conflicts": self.conflicts,
            "pool_exhausted": self.pool_exhausted,
            "server_cpu_ms_per_request": None if self.cpu_ms is None else round(self.cpu_ms, 3),
        }


def parse(output):
    """The Result in wrk's output (the BENCH_RESULT line of bench.lua's done())."""
    for line in output.splitlines():
        if line.startswith("BENCH_RESULT "):
            raw = json.loads(line.removeprefix("BENCH_RESULT "))
            return Result(
                requests=raw["requests"],
                seconds=raw["duration_us"] / 1e6,
                statuses={int(k): v for k, v in raw["statuses"].items()},
                socket_errors=raw["socket_errors"],
                latency_us=raw["latency_us"],
                pool_exhausted=raw["pool_exhausted"],
                raw=raw,
            )
    raise LoadError(f"wrk printed no result:\n{output[-2000:]}")


def wrk_path():
    path = shutil.which("wrk")
    if path is None:
        raise LoadError("wrk is not installed: run `make bench` (it installs it) or `apt-get install wrk`")
    return path


def seconds(value):
    """wrk takes whole seconds."""
    return max(1, round(value))


def run(base_url, path, *, token=None, method="GET", body=None, ids=None, load=None):
    """One wrk run of `method path` (`{id}` in path takes each of `ids` once) against the server at base_url."""
    load = load or Load()
    with tempfile.TemporaryDirectory(prefix="stocky-bench-") as tmp:
        body_file = ids_file = "-"
        if body is not None:
            body_file = str(Path(tmp) / "body.json")
            Path(body_file).write_bytes(json.dumps(body).encode())
        if ids is not None:
            ids_file = str(Path(tmp) / "ids.txt")
            Path(ids_file).write_text("".join(f"{i}\n" for i in ids))
        command = [
            wrk_path(),
            f"-t{load.threads}",
            f"-c{load.connections}",
            f"-d{seconds(load.duration)}s",
            f"--timeout={seconds(load.timeout)}s",
            "-s",
            str(LUA),
            base_url,
            "--",
            token or "-",
            method,
            path,
            body_file,
            ids_file,
            str(load.threads),
        ]
        # Bounded: wrk stops itself after -d; the margin covers its start and the last timeouts.
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=load.duration + load.timeout + 30, check=False
        )
        if done.returncode != 0:
            raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout[-2000:]}")
        return parse(done.stdout)

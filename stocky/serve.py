"""Stocky's production server: granian (a Rust HTTP server) serving stocky.wsgi, configured from the environment.

Run: python -m stocky.serve   (the Docker image's CMD; docs/deployment.md says how to tune it)

Chosen by measurement over gunicorn's sync and gthread workers (bench/README.md, "The production server"): its
HTTP handling is Rust and it keeps connections alive, so the same Django code serves more requests per second
on the same cores. What gunicorn.conf.py did, and what this does instead:

- workers from the environment (one per core by default), each running the application in 4 Python threads:
  a request waiting for the database lets another one use the core (measured: bench/README.md);
- the application loaded and warmed once in this (main) process, then frozen out of the garbage collector's
  sight, before the workers are forked from it: a new worker serves at once and shares those pages;
- a worker that dies is replaced, and one that grows past GRANIAN_WORKERS_MAX_RSS MiB is replaced gracefully
  (instead of gunicorn's replacement every ~1,000 requests: the same guard against a slow leak, by what a leak
  costs);
- SIGTERM stops gracefully: requests in flight get GRANIAN_WORKERS_KILL_TIMEOUT seconds to finish;
- one access-log line per request on stdout, with its duration and X-Forwarded-For.

Not carried over: gunicorn's per-request `timeout` (a worker stuck 30 s was killed). The database's own
timeouts (DB_READ_TIMEOUT, DB_LOCK_WAIT_TIMEOUT) bound what a request waits for, and the proxy's timeout bounds
what a client waits. Proxy headers need nothing from the server: Django reads X-Forwarded-Proto
(SECURE_PROXY_SSL_HEADER) and X-Forwarded-For (NUM_PROXIES) itself.
"""

import gc
import os

TARGET = "stocky.wsgi:application"
# Every request's line: address, time, request, status, duration, and the client's address a proxy reported.
ACCESS_LOG_FORMAT = (
    '%(addr)s - [%(time)s] "%(method)s %(path)s?%(query_string)s %(protocol)s" %(status)d %(dt_ms).1fms '
    '"%(header{x-forwarded-for})s"'
)


def _int(name, default, env=os.environ):
    value = env.get(name, "").strip()
    return int(value) if value else default


def _flag(name, default, env=os.environ):
    value = env.get(name, "").strip().lower()
    return default if not value else value not in ("0", "false", "no", "off")


def _cores():
    # The cores this process may run on (a container's cpuset), not every core of the host.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def settings(env=os.environ):
    """granian's keyword arguments, from the environment (GRANIAN_* as granian's own CLI names them)."""
    max_rss = _int("GRANIAN_WORKERS_MAX_RSS", 1024, env)
    lifetime = _int("GRANIAN_WORKERS_LIFETIME", 0, env)
    return {
        "target": TARGET,
        "interface": "wsgi",
        "address": env.get("GRANIAN_HOST", "").strip() or "0.0.0.0",
        "port": _int("GRANIAN_PORT", _int("PORT", 8000, env), env),
        # One worker per core; in each, 4 Python threads, so that while one request waits for the database
        # (every request queries it) another uses the core. With 1 thread per worker, lists and approvals
        # served 2-3x fewer requests per second on a busy 2-core machine, where MariaDB answers slowly; the
        # single-row read a little more (bench/README.md, "The production server").
        "workers": _int("GRANIAN_WORKERS", _int("WEB_CONCURRENCY", _cores(), env), env),
        "blocking_threads": _int("GRANIAN_BLOCKING_THREADS", 4, env),
        # Requests a worker takes on at once (the rest wait in the socket's backlog, for whichever worker is
        # free first): a long queue inside one worker would only hide the wait from the others.
        "backpressure": _int("GRANIAN_BACKPRESSURE", 16, env),
        "backlog": _int("GRANIAN_BACKLOG", 1024, env),
        "http": "1",  # behind a proxy that speaks HTTP/1.1 to us; no h2c upgrade to guess
        "websockets": False,
        "respawn_failed_workers": True,
        "workers_max_rss": max_rss or None,
        "workers_lifetime": lifetime or None,
        "workers_kill_timeout": _int("GRANIAN_WORKERS_KILL_TIMEOUT", 30, env) or None,
        "log_enabled": True,
        "log_level": env.get("GRANIAN_LOG_LEVEL", "").strip().lower() or "info",
        "log_access": _flag("GRANIAN_ACCESS_LOG", True, env),
        "log_access_format": ACCESS_LOG_FORMAT,
    }


def preload():
    """Load and warm the application here, before the workers are forked (stocky/wsgi.py runs the warm-up),
    then freeze what it allocated. A DRF request leaves reference cycles that start a collection every few
    requests, and now and then a full one that walked every object Django and the project had loaded; frozen,
    they are not walked, and the workers keep sharing their pages (bench/README.md: about a fifth of a list's
    CPU). The worker's import of stocky.wsgi then finds the module already loaded."""
    import stocky.wsgi  # noqa: F401 -- loads Django, the project and the warm-up

    gc.collect()
    gc.freeze()


def main():
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.log import LogLevels

    options = settings()
    options["interface"] = Interfaces(options["interface"])
    options["http"] = HTTPModes(options["http"])
    options["log_level"] = LogLevels(options["log_level"])
    if _flag("GRANIAN_PRELOAD", True):
        preload()
    Granian(**options).serve()


if __name__ == "__main__":
    main()

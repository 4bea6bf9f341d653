"""Gunicorn settings for Stocky, each overridable from the environment (see docs/deployment.md).

Run: gunicorn stocky.wsgi  (gunicorn reads ./gunicorn.conf.py by itself).
"""

import gc
import os


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores():
    # The cores this process may run on (a container's cpuset), not every core of the host.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# The API is CPU-bound Python: one sync worker per core served the most requests on 2 cores
# (measured on 2 cores: 2 sync workers beat 5, and beat threads). The usual 2 x cores + 1 suits I/O waits.
workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", _cores()))
# More than 1 switches to the gthread worker; only worth it if requests wait on slow I/O.
threads = _int("GUNICORN_THREADS", 1)
# sync (the default) closes each connection after its answer; gthread keeps connections alive (keepalive).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "").strip() or ("gthread" if threads > 1 else "sync")
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_int('PORT', 8000)}"

# A request still running after this many seconds has its worker killed and restarted.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On a restart or shutdown, in-flight requests get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection stays open; above the load balancer's idle timeout is wrong,
# below it is fine (the default suits a proxy on the same host or network).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Replace each worker after about this many requests, so a slow leak never grows for long (0: never).
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# The master imports Django and the project once; a new worker is a fork that serves at once, instead of
# importing everything again while requests queue (at several hundred req/s, max_requests replaced a worker
# every few seconds, often both at once: bench/README.md). Code changes then need a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in ("0", "false", "no", "off")


# The objects of Django and the project (about 84,000, alive for the process's life) are moved
# out of the garbage collector's sight once loaded. A request through DRF leaves reference cycles (request,
# view, response) that start a collection every few requests, and now and then a full one that walked all of
# those objects: with them frozen, a 120-row list costs about a fifth less CPU per request (bench/README.md).
# In the master before forking, so that workers also keep sharing those memory pages (Python's gc docs).
def when_ready(server):
    if server.cfg.preload_app:
        gc.collect()
        gc.freeze()


def pre_fork(server, worker):
    if server.cfg.preload_app:
        gc.freeze()  # what the master allocated since: a no-op but for a few objects


def post_worker_init(worker):
    if not worker.cfg.preload_app:
        gc.collect()
        gc.freeze()


# Logs to stdout/stderr, where Docker and process managers collect them. The access line ends with the
# request's duration in milliseconds and, behind a proxy, the client's address as the proxy reports it.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms "%({x-forwarded-for}i)s"'

# Workers' heartbeat files: in memory, not on a container's overlay disk that may stall.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# gunicorn's runtime control socket (gunicornc) is not used: signals manage the server.
control_socket_disable = True
# Which proxies may say the request came over HTTPS (X-Forwarded-Proto): gunicorn reads the
# FORWARDED_ALLOW_IPS variable itself (default: 127.0.0.1,::1). Django decides by SECURE_PROXY_SSL_HEADER.

# syntax=docker/dockerfile:1
# Stocky's production image: granian (stocky/serve.py) serving stocky.wsgi on $PORT (8000), static files inside.
# Build: docker build -t stocky .   Run: see compose.yaml and docs/deployment.md.

ARG PYTHON_VERSION=3.11

# --- build: compile what needs a compiler (mysqlclient) into a virtualenv ----------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build

RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev pkg-config libmariadb-dev \
    && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --upgrade pip \
    && /opt/venv/bin/pip install -r /tmp/requirements.txt

# --- runtime: the virtualenv, the code and the MariaDB client library; no compiler --------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends libmariadb3 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 stocky \
    && useradd --system --uid 10001 --gid stocky --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin stocky

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=stocky.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media \
    PORT=8000

WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# The code stays owned by root: the app's user can read it, not change it.
COPY . .

# Static files are part of the image. collectstatic reads the settings, which want a SECRET_KEY when
# DEBUG is off; this one exists only for this command and is not in the image's environment.
RUN SECRET_KEY=build-only-collectstatic-key python manage.py collectstatic --noinput \
    && python -m compileall -q . \
    && mkdir -p /app/media \
    && chown stocky:stocky /app/media

USER stocky
EXPOSE 8000

# Python rather than curl (not in the slim image); /healthz answers 503 when the database is down.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
# The production server, chosen by measurement (bench/README.md): granian, configured from the environment by
# stocky/serve.py (GRANIAN_*, WEB_CONCURRENCY, PORT; docs/deployment.md). `gunicorn stocky.wsgi` also works.
CMD ["python", "-m", "stocky.serve"]

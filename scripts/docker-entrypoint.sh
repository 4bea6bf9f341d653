#!/bin/sh
# The image's entrypoint: runs the given command (the server by default), after applying migrations when
# MIGRATE_ON_START is set. That suits a single container; with compose, the one-off `migrate` service
# migrates once before the web and worker containers start, so several of them never race to migrate.
set -eu

case "${MIGRATE_ON_START:-0}" in
  1 | true | True | yes | on)
    python manage.py migrate --noinput
    ;;
esac

exec "$@"

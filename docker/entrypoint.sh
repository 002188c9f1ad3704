#!/bin/sh
# Apply migrations (unless RUN_MIGRATIONS=0), then hand over to the command.
# With several replicas, let one release job migrate and set RUN_MIGRATIONS=0
# on the web containers.
set -eu
if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
    flask --app wsgi db upgrade
fi
exec "$@"

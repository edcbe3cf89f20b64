#!/bin/sh
# Runs a command with Node.js 24 first on PATH (installing it once if needed),
# so `npm start` and `npm test` work even where the system Node is older.
. "$(dirname "$0")/node-env.sh" || exit 1
exec "$@"

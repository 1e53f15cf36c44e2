#!/bin/sh
# Debian's redis-server with protected mode off, as in the official image. A config file, when given,
# must stay the first argument.
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
  config=$1
  shift
  exec /usr/bin/redis-server "$config" --protected-mode no "$@"
fi
exec /usr/bin/redis-server --protected-mode no "$@"

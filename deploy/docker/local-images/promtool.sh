#!/bin/sh
# `promtool check ready [--url=URL]` for a promtool older than 2.44; everything else goes to the real one.
if [ "$1" = check ] && [ "$2" = ready ]; then
  url=http://localhost:9090
  shift 2
  for arg in "$@"; do
    case "$arg" in --url=*) url=${arg#--url=} ;; esac
  done
  if wget -q -T 5 -O /dev/null "${url%/}/-/ready"; then echo "  SUCCESS: Prometheus is ready"; exit 0; fi
  echo "  FAILED: Prometheus at $url is not ready" >&2
  exit 1
fi
exec /usr/bin/promtool "$@"

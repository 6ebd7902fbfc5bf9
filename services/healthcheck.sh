#!/usr/bin/env bash
# The containers' health check: `bash services/healthcheck.sh PORT PATH` exits 0
# when http://127.0.0.1:PORT/PATH answers 200, 1 otherwise.
#
# Bash, not node: ECS and Docker start this every 5 s inside the container,
# and starting node would take a noticeable share of the task's quarter vCPU
# each time (docs/design.md). Bash's /dev/tcp needs no curl, which the slim
# image lacks.
set -euo pipefail
if (($# != 2)); then
  echo 'usage: bash services/healthcheck.sh PORT PATH' >&2
  exit 2
fi
port=$1 path=$2

exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS= read -r -t 2 status <&3 || { echo "unhealthy: no answer from :$port$path within 2 s" >&2; exit 1; }
status=${status%$'\r'}
[[ $status == 'HTTP/1.1 200 '* ]] || { echo "unhealthy: :$port$path answered \"$status\"" >&2; exit 1; }

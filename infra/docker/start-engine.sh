#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io (and
# docker-compose, which the compose file's test runs) when missing, and when
# `docker info` fails starts
#   dockerd --storage-driver=vfs --iptables=false
# in the background (works in VMs and containers without overlayfs or
# iptables; bridge containers then have no route out, so builds that fetch
# use `docker build --network host`), then waits for it, at most 60 s.
# Log: /tmp/dockerd.log. Uses sudo only when not already root.
set -euo pipefail

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
docker info >/dev/null 2>&1 && exit 0

echo "starting dockerd (vfs storage, no iptables), log /tmp/dockerd.log"
"${as_root[@]}" sh -c 'nohup dockerd --storage-driver=vfs --iptables=false >/tmp/dockerd.log 2>&1 &'
for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "start-engine: dockerd did not answer within 60 s; see /tmp/dockerd.log" >&2
tail -n 20 /tmp/dockerd.log >&2 || true
exit 1

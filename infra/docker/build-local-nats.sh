#!/usr/bin/env bash
# Builds a local stand-in for the official nats image, for machines that
# cannot pull from a registry: this machine's nats-server binary (Debian's
# package; it needs only glibc) copied onto the local base image. Same
# entrypoint as the official image (nats-server), so compose files and tests
# pass the same `-c <config>` to either.
#
#   infra/docker/build-local-nats.sh [--force] [tag]      (default tag fedlink/nats:local)
#   NATS_IMAGE=fedlink/nats:local docker-compose -f infra/compose/compose.yaml up
#
# Idempotent: does nothing when the tag exists, unless --force. Needs
# nats-server (apt-get install nats-server), a running engine and the base
# image BASE_IMAGE (default fedlink/node-base:20-bookworm-slim, made by
# infra/docker/build-local-base.sh).
set -euo pipefail

tag=fedlink/nats:local
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-local-nats: unknown option $arg" >&2; exit 2 ;;
    *) tag=$arg ;;
  esac
done
base=${BASE_IMAGE:-fedlink/node-base:20-bookworm-slim}

if [ "$force" -eq 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "build-local-nats: $tag exists (use --force to rebuild)"
  exit 0
fi
bin=${NATS_SERVER_BIN:-$(command -v nats-server || echo /usr/sbin/nats-server)}
[ -x "$bin" ] || { echo "build-local-nats: needs nats-server (apt-get install nats-server, or set NATS_SERVER_BIN)" >&2; exit 1; }
docker image inspect "$base" >/dev/null 2>&1 || { echo "build-local-nats: base image $base missing (infra/docker/build-local-base.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/fedlink-nats-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp "$bin" "$work/nats-server"
cat >"$work/Dockerfile" <<DOCKERFILE
FROM $base
COPY nats-server /usr/local/bin/nats-server
EXPOSE 4222 6222 8222
ENTRYPOINT ["nats-server"]
DOCKERFILE
docker build -q -t "$tag" "$work" >/dev/null
echo "build-local-nats: $tag ($("$bin" --version))"

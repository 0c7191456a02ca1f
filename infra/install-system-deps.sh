#!/usr/bin/env bash
# Installs the Debian packages fedlink needs when they are missing:
#   dataset-fashion-mnist  the data (demo, e2e tests, server-side evaluation)
#   nats-server            NATS for integration tests
#   python3-numpy          the numpy baseline of `npm run bench`
#   python3-sklearn        the breast-cancer and digits data sets of examples/
#   systemd                systemd-analyze, for the unit tests (test/infra/systemd-units.test.ts)
#   zsh                    runs the zsh completion script in its test (test/unit/cli-completion.test.ts)
#   python3-grpcio, python3-grpc-tools  the Python protocol conformance client (test/conformance/; numpy too)
# Uses sudo only when not already root. Does nothing when all are present.
set -euo pipefail

need=()
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need+=(dataset-fashion-mnist)
python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
[ -f /usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv ] || need+=(python3-sklearn)
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
command -v zsh >/dev/null 2>&1 || need+=(zsh)
# Debian's interpreter, not whatever python3 is first on PATH: the packages install there.
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || need+=(python3-grpcio)
/usr/bin/python3 -c 'import grpc_tools.protoc' >/dev/null 2>&1 || need+=(python3-grpc-tools)
/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || need+=(python3-numpy)
[ ${#need[@]} -eq 0 ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"

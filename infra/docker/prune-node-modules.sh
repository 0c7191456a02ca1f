#!/bin/sh
# Removes from a production node_modules what Node never loads, so the image
# stays small: source maps, TypeScript declarations, and TensorFlow.js's
# browser bundles (every @tensorflow package ships its code five times over:
# UMD, minified, ES2017, FESM and per-module ESM; Node loads only the
# `main` bundle, dist/*.node.js, plus the wasm backend's .wasm binaries).
# core-js is the polyfill set of tfjs's browser entry; Node never requires it.
#
#   infra/docker/prune-node-modules.sh node_modules
set -eu
dir=${1:?usage: prune-node-modules.sh <node_modules>}
[ -d "$dir" ] || { echo "prune-node-modules: no directory $dir" >&2; exit 1; }

find "$dir" -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.tsbuildinfo' \) -delete
for pkg in "$dir"/@tensorflow/*/; do
  [ -d "$pkg/dist" ] || continue
  main=$(node -p "require(require('path').resolve('$pkg', 'package.json')).main || ''")
  case "$main" in
    dist/*.node.js) ;;
    *) continue ;; # not a package laid out as described above: leave it alone
  esac
  find "$pkg/dist" -mindepth 1 -maxdepth 1 ! -name '*.node.js' ! -name '*.wasm' -exec rm -rf {} +
done
rm -rf "$dir/core-js"

#!/usr/bin/env bash
# Bundles livekit-client (from the workspace's node_modules) into
# video-kit/dist/livekit-client.js, which the portals ship at their site root
# (Trunk `rel="copy-file"`). Does nothing when the bundle is newer than both
# package-lock.json and the entry file. Run from anywhere; needs `npm ci` first.
set -euo pipefail

kit_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(cd "$kit_dir/.." && pwd)"
entry="video-kit/js/livekit-entry.js"
out="video-kit/dist/livekit-client.js"

cd "$root_dir"

if [[ -f "$out" && "$out" -nt package-lock.json && "$out" -nt "$entry" ]]; then
  exit 0
fi

if [[ ! -x node_modules/.bin/esbuild || ! -d node_modules/livekit-client ]]; then
  echo "video-kit/build.sh: esbuild or livekit-client missing; run 'npm ci' at the workspace root" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
npx --no-install esbuild "$entry" --bundle --format=esm --platform=browser --minify \
  --log-level=warning --outfile="$out"

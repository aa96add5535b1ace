#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for the kiosk demo and run it.
# Installs only what is missing (the Rust toolchain is assumed present), builds the release
# binary and starts `manassa demo`: the reference ministry server on loopback, emulated
# card reader and thermal printer on pseudo-terminals, A4 papers written to ./demo-out.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages "${RUNTIME_PACKAGES[@]}"
cargo build --release --locked
# No display (a server, CI, ssh): run the kiosk on a virtual one.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  need_packages xvfb xauth
  echo "No display found: running the demo under Xvfb (xvfb-run)." >&2
  exec xvfb-run -a -s "-screen 0 1080x1920x24" target/release/manassa demo "$@"
fi
exec target/release/manassa demo "$@"

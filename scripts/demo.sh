#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for the kiosk demo and run it.
# Installs only what is missing (the Rust toolchain is assumed present), builds the three
# release binaries and starts `manassa demo`, which runs `manassa-sim` (the reference
# ministry server on loopback) and `manassa-emulate` (card reader, thermal printer, scanner
# and badge reader on pseudo-terminals) as its children; A4 papers go to ./demo-out.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages "${RUNTIME_PACKAGES[@]}"
cargo build --release --locked -p manassa -p manassa-sim -p manassa-emulators --bins
# No display (a server, CI, ssh): run the kiosk on a virtual one.
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  need_packages xvfb xauth
  echo "No display found: running the demo under Xvfb (xvfb-run)." >&2
  exec xvfb-run -a -s "-screen 0 1080x1920x24" target/release/manassa demo "$@"
fi
exec target/release/manassa demo "$@"

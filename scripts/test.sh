#!/usr/bin/env bash
# Set up a fresh Debian 12 machine for the tests and run the whole suite.
# Installs what is missing (the Rust toolchain is assumed present), starts the services
# the tests talk to (cupsd with a PDF-spool queue), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
need_packages "${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
# The phone verifier page's browser test: Node.js and npm (Debian's, unless a newer one is
# already here), the locked npm packages (jsQR, playwright-core), Debian's Chromium.
command -v npm >/dev/null || need_packages nodejs npm
(cd web && npm ci --no-audit --no-fund --loglevel=error)
scripts/cups-up.sh
export MANASSA_CUPS_QUEUE=manassa-pdf
export MANASSA_CUPS_PDF_DIR=/var/spool/manassa-pdf
speech_env=$(scripts/speech-up.sh); eval "$speech_env"; export SPEECHD_ADDRESS MANASSA_SPEECHD_LOG
# A fresh build of every target takes about 5 GB under target/: say so before the linker
# fails with a bus error on a full disk.
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if [ "$free_kb" -lt $((6 * 1024 * 1024)) ]; then
  echo "scripts/test.sh: warning: only $((free_kb / 1024)) MB free here; a fresh build needs about 5 GB" >&2
fi
cargo test --locked --workspace --all-targets

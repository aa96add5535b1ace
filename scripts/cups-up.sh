#!/usr/bin/env bash
# Start cupsd (if it is not running) and create the test queue:
#   manassa-pdf  CUPS's generic PDF printer driver (pdftopdf) into the `pdfspool` backend,
#                which writes each job as /var/spool/manassa-pdf/<job-id>-<title>.pdf
# Needs root (cupsd, lpadmin, the backend folder); run by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
out=/var/spool/manassa-pdf
$sudo mkdir -p "$out"
$sudo chmod 1777 "$out"
# A backend readable and executable by everyone runs as the unprivileged lp user.
$sudo install -m 0755 cups-backend-pdfspool /usr/lib/cups/backend/pdfspool
if ! lpstat -r 2>/dev/null | grep -q "is running"; then
  $sudo /usr/sbin/cupsd
  for _ in $(seq 1 50); do
    lpstat -r 2>/dev/null | grep -q "is running" && break
    sleep 0.1
  done
fi
lpstat -r | grep -q "is running" || { echo "cupsd did not start" >&2; exit 1; }
ppd=/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd
[ -f "$ppd" ] || { echo "$ppd missing (package cups-filters)" >&2; exit 1; }
if ! lpstat -v manassa-pdf 2>/dev/null | grep -q "pdfspool:$out"; then
  $sudo lpadmin -p manassa-pdf -E -v "pdfspool:$out" -P "$ppd" 2>/dev/null
fi
$sudo cupsenable manassa-pdf
$sudo cupsaccept manassa-pdf
echo "cupsd running; queue manassa-pdf writes to $out" >&2

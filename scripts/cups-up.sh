#!/usr/bin/env bash
# Start cupsd (if it is not running) and create the test queues:
#   manassa-pdf  a cups-pdf queue writing PDFs to /var/spool/manassa-cups-pdf
# Needs root (cupsd and lpadmin); run by scripts/test.sh.
set -euo pipefail
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
out=/var/spool/manassa-cups-pdf
$sudo mkdir -p "$out"
$sudo chmod 1777 "$out"
conf=/etc/cups/cups-pdf.conf
# One fixed output folder for every user, so the tests know where to look.
if ! grep -q "^Out $out" "$conf"; then
  $sudo sed -i -e '/^Out /d' -e '/^AnonDirName /d' "$conf"
  printf 'Out %s\nAnonDirName %s\n' "$out" "$out" | $sudo tee -a "$conf" >/dev/null
fi
if ! lpstat -r 2>/dev/null | grep -q "is running"; then
  $sudo /usr/sbin/cupsd
  for _ in $(seq 1 50); do
    lpstat -r 2>/dev/null | grep -q "is running" && break
    sleep 0.1
  done
fi
lpstat -r | grep -q "is running" || { echo "cupsd did not start" >&2; exit 1; }
if ! lpstat -p manassa-pdf >/dev/null 2>&1; then
  ppd=$(lpinfo -m 2>/dev/null | awk '/CUPS-PDF/ {print $1; exit}')
  [ -n "$ppd" ] || { echo "no CUPS-PDF driver found (printer-driver-cups-pdf)" >&2; exit 1; }
  $sudo lpadmin -p manassa-pdf -E -v cups-pdf:/ -m "$ppd"
fi
$sudo cupsenable manassa-pdf
$sudo cupsaccept manassa-pdf
echo "cupsd running; queue manassa-pdf writes to $out" >&2

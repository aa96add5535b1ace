#!/usr/bin/env bash
# Start cupsd (if it is not running) and create the test queues:
#   manassa-pdf      CUPS's generic PDF printer driver (pdftopdf) into the `pdfspool` backend,
#                    which writes each job as /var/spool/manassa-pdf/<job-id>-<title>.pdf
#   manassa-nopaper  out of paper before anything is printed: its `manassafault` backend
#                    reported media-empty-error on a priming job, which CUPS aborted
#   manassa-runout   runs out of paper (media-empty-error) in the middle of each job, stalls
#   manassa-jam      reports media-jam-error in the middle of each job and stalls
#   manassa-door     reports door-open-error in the middle of each job and stalls
#   manassa-slow     takes up to 60 s per job (for cancel and time-out tests)
#   manassa-states   never prints; tests set its printer-state-reasons with lpadmin
#   manassa-stopped  a PDF queue stopped with cupsdisable (printer-state stopped, "paused")
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
$sudo install -m 0755 cups-backend-manassafault /usr/lib/cups/backend/manassafault
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

# queue NAME DEVICE-URI [lpadmin options...]: create or update, enabled and accepting, no
# leftover jobs or state reasons from an earlier run.
queue() {
  local name=$1 uri=$2
  shift 2
  if ! lpstat -v "$name" 2>/dev/null | grep -q ": $uri\$"; then
    # "Printer drivers are deprecated" is CUPS 2.4 talking about the PPD; it still works.
    $sudo lpadmin -p "$name" -E -v "$uri" -P "$ppd" "$@" 2>/dev/null
  elif [ $# -gt 0 ]; then
    $sudo lpadmin -p "$name" "$@"
  fi
  $sudo cancel -a -x "$name" 2>/dev/null || true
  $sudo lpadmin -p "$name" -o printer-state-reasons=none
  $sudo cupsenable "$name"
  $sudo cupsaccept "$name"
}
queue manassa-pdf "pdfspool:$out"
queue manassa-nopaper "manassafault:/fail/media-empty-error" -o printer-error-policy=abort-job
queue manassa-runout "manassafault:/stall/media-empty-error" -o printer-error-policy=abort-job
queue manassa-jam "manassafault:/stall/media-jam-error" -o printer-error-policy=abort-job
queue manassa-door "manassafault:/stall/door-open-error" -o printer-error-policy=abort-job
queue manassa-slow "manassafault:/slow/" -o printer-error-policy=abort-job
queue manassa-states "manassafault:/slow/" -o printer-error-policy=abort-job
queue manassa-stopped "pdfspool:$out"
$sudo cupsdisable -r "stopped by scripts/cups-up.sh" manassa-stopped

# Run the out-of-paper printer once, so that it is out of paper before the tests print.
printf '%%PDF-1.4\n%%%%EOF\n' >/tmp/manassa-prime.pdf
lp -d manassa-nopaper -t prime /tmp/manassa-prime.pdf >/dev/null
for _ in $(seq 1 300); do
  [ -z "$(lpstat -W not-completed -o manassa-nopaper 2>/dev/null)" ] && break
  sleep 0.1
done
[ -z "$(lpstat -W not-completed -o manassa-nopaper 2>/dev/null)" ] || {
  echo "the priming job on manassa-nopaper did not end" >&2
  exit 1
}
rm -f /tmp/manassa-prime.pdf
echo "cupsd running; queue manassa-pdf writes to $out; fault queues ready" >&2

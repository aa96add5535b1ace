#!/usr/bin/env bash
# Build the kiosk rootfs (kiosk-image/build.sh) into a folder and smoke-test it in a
# chroot: the binary starts (`manassa --help`, a headless snapshot of the attract screen
# as the kiosk user; `manassa doctor` does not exist yet), the configuration loads, the
# units pass `systemd-analyze verify`, espeak-ng speaks Arabic to a WAV, the bundled
# fonts are found, the A4 queue is served by CUPS, the initramfs has overlayroot, and
# nothing offers a way out (gettys, Ctrl+Alt+Del, SysRq, root password).
# Not part of scripts/test.sh: it downloads Debian packages and takes minutes. Needs root.
#
#   kiosk-image/smoke-test.sh [--rootfs DIR] [--keep] [--image] [build.sh options...]
#     --rootfs DIR   test this already built rootfs instead of building one
#     --keep         keep the built rootfs (default: kiosk-image/out/smoke, removed on success)
#     --image        also assemble the disk image (build.sh --image) and check its partitions
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=""
keep=0
image=0
build_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rootfs) root=$(realpath "$2"); shift 2 ;;
    --keep) keep=1; shift ;;
    --image) image=1; shift ;;
    *) build_args+=("$1"); shift ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "smoke-test.sh: run as root (chroot)" >&2; exit 1; }

work="$here/out/smoke"
if [ -z "$root" ]; then
  root="$work/rootfs"
  [ "$image" -eq 1 ] && build_args+=(--image "$work/manassa-kiosk.img")
  start=$(date +%s)
  "$here/build.sh" --out "$root" "${build_args[@]}"
  build_s=$(( $(date +%s) - start ))
fi
[ -x "$root/usr/bin/manassa" ] || { echo "smoke-test.sh: no kiosk rootfs at $root" >&2; exit 1; }

# API file systems for the chroot, undone on exit.
mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
  if [ -n "${cupsd_pid:-}" ]; then kill "$cupsd_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
for fs in proc sys dev; do
  mountpoint -q "$root/$fs" && continue
  case $fs in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sysfs "$root/sys" ;;
    dev) mount --bind /dev "$root/dev" ;;
  esac
  mounted+=("$root/$fs")
done
scratch="$root/tmp/smoke"
rm -rf "$scratch"
install -d -m 1777 "$scratch"

passed=0
failed=0
ok() { echo "PASS  $1"; passed=$((passed + 1)); }
ko() { echo "FAIL  $1${2:+: $2}"; failed=$((failed + 1)); }
# check LABEL COMMAND...: PASS when COMMAND succeeds.
check() { local label=$1; shift; if "$@"; then ok "$label"; else ko "$label"; fi; }
in_root() { chroot "$root" "$@"; }
as_kiosk() { chroot --userspec=kiosk:kiosk "$root" env HOME=/tmp/smoke "$@"; }

# The binary starts and lists its commands.
if out=$(in_root /usr/bin/manassa --help 2>&1) && grep -q 'run' <<<"$out" && grep -q 'snapshot' <<<"$out"; then
  ok "manassa --help"
else
  ko "manassa --help" "$out"
fi

# A headless render of the attract screen in Arabic, as the kiosk user (software renderer,
# bundled fonts): a PNG of some substance.
if out=$(as_kiosk /usr/bin/manassa snapshot --screen attract --lang ar --out /tmp/smoke/attract-ar.png 2>&1) &&
  [ "$(head -c 8 "$scratch/attract-ar.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] &&
  [ "$(stat -c %s "$scratch/attract-ar.png")" -gt 20000 ]; then
  ok "manassa snapshot --screen attract --lang ar ($(stat -c %s "$scratch/attract-ar.png") bytes)"
else
  ko "manassa snapshot --screen attract --lang ar" "$out"
fi

# The shipped configuration is where the unit looks, readable by the kiosk user, loads,
# and names the udev devices.
if out=$(as_kiosk /usr/bin/manassa device --config /etc/manassa/manassa.toml list 2>&1) &&
  grep -q '/dev/manassa/card-reader' <<<"$out"; then
  ok "kiosk user loads /etc/manassa/manassa.toml (5 devices listed)"
else
  ko "kiosk user loads /etc/manassa/manassa.toml" "$out"
fi
if [ "$(in_root stat -L -c '%a %U %G' /etc/manassa/manassa.toml)" = "640 root kiosk" ]; then
  ok "config is 0640 root:kiosk on the data partition ($(readlink "$root/etc/manassa"))"
else
  ko "config permissions" "$(in_root stat -L -c '%a %U %G' /etc/manassa/manassa.toml)"
fi

# Units: systemd's own checker, inside the rootfs (unit paths, binaries, users resolve there).
units=(manassa.service cage@tty1.service manassa-data.service)
# --man=no: the image carries no man pages (Documentation=man:... cannot resolve there).
if out=$(in_root systemd-analyze verify --man=no "${units[@]}" 2>&1) && [ -z "$out" ]; then
  ok "systemd-analyze verify ${units[*]}"
else
  ko "systemd-analyze verify" "$out"
fi
for u in seatd.service cage@tty1.service manassa.service manassa-data.service systemd-networkd.service cups.service; do
  if [ "$(in_root systemctl is-enabled "$u" 2>&1)" = enabled ]; then ok "$u enabled"; else ko "$u enabled" "$(in_root systemctl is-enabled "$u" 2>&1)"; fi
done
check "default target graphical" test "$(in_root systemctl get-default)" = graphical.target
# CUPS: the image's cupsd.conf parses and keeps no job files.
check "cupsd -t accepts the image's cupsd.conf" in_root cupsd -t -c /etc/cups/cupsd.conf
check "cupsd.conf: PreserveJobFiles No" grep -qx 'PreserveJobFiles No' "$root/etc/cups/cupsd.conf"

# Speech: espeak-ng speaks Arabic to a WAV.
rm -f "$scratch/ar.wav"
if out=$(in_root espeak-ng -v ar -w /tmp/smoke/ar.wav "مرحبا بكم في منصة" 2>&1) && [ -s "$scratch/ar.wav" ] &&
  [ "$(head -c 4 "$scratch/ar.wav")" = "RIFF" ]; then
  detail="$(stat -c %s "$scratch/ar.wav") bytes"
  if command -v sox >/dev/null; then
    dur=$(sox --i -D "$scratch/ar.wav")
    detail+=", ${dur} s"
    if awk -v d="$dur" 'BEGIN { exit !(d > 0.5) }'; then ok "espeak-ng -v ar speaks to a WAV ($detail)"; else ko "espeak-ng -v ar" "too short: $detail"; fi
  else
    check "espeak-ng -v ar speaks to a WAV ($detail)" test "$(stat -c %s "$scratch/ar.wav")" -gt 16000
  fi
else
  ko "espeak-ng -v ar" "$out"
fi
if [ -x "$root/usr/lib/speech-dispatcher-modules/sd_espeak-ng" ]; then ok "speech-dispatcher espeak-ng module"; else ko "speech-dispatcher espeak-ng module"; fi

# Fonts: fontconfig finds the bundled families.
fonts=$(in_root fc-list : family 2>&1)
for family in "Noto Naskh Arabic" "Noto Sans Arabic" "Noto Sans"; do
  if grep -qx "$family" <<<"$fonts"; then ok "fc-list: $family"; else ko "fc-list: $family" "$(tr '\n' ';' <<<"$fonts")"; fi
done

# CUPS serves the A4 queue from the image's printers.conf: a cupsd on a private socket
# inside the chroot (the host's cupsd keeps port 631), the queue enabled, accepting and the
# default, A4 the PPD's default size, and a job accepted.
printf 'Listen /tmp/smoke/cups.sock\nLogLevel warn\n<Location />\n  Order allow,deny\n  Allow all\n</Location>\n' \
  > "$scratch/cupsd.conf"
printf '%s\n' "ServerRoot /etc/cups" "SystemGroup root lpadmin" "ErrorLog /tmp/smoke/cups_error_log" \
  "AccessLog /tmp/smoke/cups_access_log" "PageLog /tmp/smoke/cups_page_log" > "$scratch/cups-files.conf"
# chroot execs cupsd: $! is cupsd itself.
chroot "$root" /usr/sbin/cupsd -f -c /tmp/smoke/cupsd.conf -s /tmp/smoke/cups-files.conf &
cupsd_pid=$!
for _ in $(seq 1 50); do [ -S "$scratch/cups.sock" ] && break; sleep 0.1; done
sock=/tmp/smoke/cups.sock
if out=$(in_root lpstat -h "$sock" -p kiosk-a4 -d 2>&1) && grep -q 'printer kiosk-a4 is idle.  enabled' <<<"$out" &&
  grep -q 'system default destination: kiosk-a4' <<<"$out"; then
  ok "CUPS queue kiosk-a4 idle, enabled, default"
else
  ko "CUPS queue kiosk-a4" "$out"
fi
if out=$(in_root lpstat -h "$sock" -a kiosk-a4 2>&1) && grep -q 'accepting requests' <<<"$out"; then ok "kiosk-a4 accepting"; else ko "kiosk-a4 accepting" "$out"; fi
if out=$(in_root lpoptions -h "$sock" -p kiosk-a4 -l 2>&1) && grep -q 'PageSize.*\*A4' <<<"$out"; then ok "kiosk-a4 default paper A4"; else ko "kiosk-a4 default paper A4" "$out"; fi
cp "$root/usr/share/doc/manassa/OFL-fonts.txt" "$scratch/job.txt"
if out=$(as_kiosk lp -h "$sock" -d kiosk-a4 -o media=A4 /tmp/smoke/job.txt 2>&1) && grep -q 'request id is kiosk-a4-' <<<"$out"; then
  ok "kiosk user submits a job to kiosk-a4 ($out)"
  in_root cancel -h "$sock" -a kiosk-a4 >/dev/null 2>&1 || true
else
  ko "lp -d kiosk-a4" "$out"
fi
kill "$cupsd_pid" 2>/dev/null || true
wait "$cupsd_pid" 2>/dev/null || true
cupsd_pid=""

# Read-only root: the initramfs carries overlayroot, configured for a RAM overlay of / only.
initrd=("$root"/boot/initrd.img-*)
listing=$(in_root lsinitramfs "/boot/${initrd[-1]##*/}" 2>&1 || true)
if grep -qx 'scripts/init-bottom/overlayroot' <<<"$listing" && grep -q '/overlay.ko' <<<"$listing"; then
  ok "initramfs has overlayroot"
else
  ko "initramfs has overlayroot"
fi
check "overlayroot tmpfs, recurse=0" grep -q '^overlayroot="tmpfs:swap=0,recurse=0"' "$root/etc/overlayroot.local.conf"
check "fstab mounts MANASSA-DATA on /var/lib/manassa" grep -q '^LABEL=MANASSA-DATA[[:space:]]\+/var/lib/manassa[[:space:]]' "$root/etc/fstab"

# No way out.
for u in getty@.service autovt@.service serial-getty@.service getty.target ctrl-alt-del.target debug-shell.service brltty.service ModemManager.service; do
  if [ "$(readlink "$root/etc/systemd/system/$u")" = /dev/null ]; then ok "$u masked"; else ko "$u masked"; fi
done
check "kernel.sysrq = 0" grep -q '^kernel.sysrq = 0' "$root/etc/sysctl.d/90-manassa-kiosk.conf"
check "logind NAutoVTs=0" grep -q '^NAutoVTs=0' "$root/etc/systemd/logind.conf.d/90-manassa-kiosk.conf"
if grep -q -- ' -s ' "$root/etc/systemd/system/cage@.service"; then ko "cage without -s (VT switching)"; else ok "cage without -s (no VT switching)"; fi
check "root password locked" test "$(in_root passwd -S root | awk '{print $2}')" = L
check "kiosk password locked" test "$(in_root passwd -S kiosk | awk '{print $2}')" = L
groups=$(in_root id -nG kiosk)
for g in dialout lp audio video; do
  if grep -qw "$g" <<<"$groups"; then ok "kiosk in $g"; else ko "kiosk in $g" "$groups"; fi
done
if [ "$(in_root id -u kiosk)" = 1000 ]; then ok "kiosk uid 1000"; else ko "kiosk uid 1000"; fi
# The image ships the kiosk binary alone: no reference server, no emulators, and the
# kiosk itself cannot start one (it has no `sim` subcommand and no signing code).
if find "$root/usr" "$root/opt" -name 'manassa-sim' -o -name 'manassa-emulate' 2>/dev/null | grep -q .; then
  ko "kiosk binary alone" "$(find "$root/usr" "$root/opt" -name 'manassa-*' 2>/dev/null)"
elif grep -rqs 'manassa-sim\|manassa sim' "$root/etc/systemd/system"; then
  ko "no unit runs the reference server"
else
  ok "kiosk binary alone (no manassa-sim, no manassa-emulate, no unit runs them)"
fi

if [ "$image" -eq 1 ] && [ -f "$work/manassa-kiosk.img" ]; then
  img="$work/manassa-kiosk.img"
  parts=$(sfdisk --json "$img")
  if grep -q '"name":"manassa-data"' <<<"${parts// /}" && grep -q 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B' <<<"$parts" && [ -s "$img.bmap" ]; then
    ok "disk image: GPT with ESP, root, data; bmap present"
  else
    ko "disk image partitions" "$parts"
  fi
fi

echo
echo "rootfs: $root, $(du -sh --exclude="$root/proc" --exclude="$root/sys" --exclude="$root/dev" "$root" 2>/dev/null | cut -f1)${build_s:+, built in ${build_s} s}"
[ -f "$work/manassa-kiosk.img" ] && [ "$image" -eq 1 ] && echo "disk image: $work/manassa-kiosk.img, $(du -h --apparent-size "$work/manassa-kiosk.img" | cut -f1) ($(du -h "$work/manassa-kiosk.img" | cut -f1) allocated)"
echo "smoke: $passed passed, $failed failed"
cleanup
mounted=()
trap - EXIT
if [ "$failed" -eq 0 ] && [ "$keep" -eq 0 ] && [ "$root" = "$work/rootfs" ]; then rm -rf "$root"; fi
[ "$failed" -eq 0 ]

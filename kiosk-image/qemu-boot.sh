#!/usr/bin/env bash
# Boot a kiosk disk image (build.sh --image) in QEMU with UEFI firmware, to try it before
# flashing: headless by default, saving what the screen shows as PNG after a delay; with
# --window, in a window until it is closed. The image is not modified (snapshot=on).
# Needs qemu-system-x86, ovmf, netpbm and socat (installed if missing); KVM when /dev/kvm exists.
#
#   kiosk-image/qemu-boot.sh IMAGE [--seconds N] [--screenshot FILE.png] [--window] [--no-kvm]
#     --no-kvm   software emulation (slow: ~50 s to systemd), where KVM is broken (nested)
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
image=$(realpath "$1")
shift
seconds=60
shot="${image%.img}-screen.png"
window=0
kvm=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --screenshot) shot=$2; shift 2 ;;
    --window) window=1; shift ;;
    --no-kvm) kvm=0; shift ;;
    *) echo "qemu-boot.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

missing=()
for p in qemu-system-x86 ovmf netpbm socat; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/vars.fd"
accel=()
# QEMU's default CPU model: -cpu host fails under nested virtualisation (MSR errors).
if [ "$kvm" -eq 1 ] && [ -w /dev/kvm ]; then accel=(-enable-kvm); fi
args=("${accel[@]}" -m 2048 -smp 2 -machine q35
  -drive "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
  -drive "if=pflash,format=raw,file=$work/vars.fd"
  -drive "file=$image,format=raw,if=virtio,snapshot=on"
  -vga none -device virtio-gpu-pci -nic none -serial "file:$work/serial.log")

if [ "$window" -eq 1 ]; then
  exec qemu-system-x86_64 "${args[@]}"
fi

qemu-system-x86_64 "${args[@]}" -display none -monitor "unix:$work/monitor.sock,server,nowait" &
qemu=$!
sleep "$seconds"
kill -0 "$qemu" 2>/dev/null || { echo "qemu-boot.sh: QEMU exited early" >&2; exit 1; }
printf 'screendump %s\n' "$work/screen.ppm" | socat - "UNIX-CONNECT:$work/monitor.sock" >/dev/null
sleep 1
printf 'quit\n' | socat - "UNIX-CONNECT:$work/monitor.sock" >/dev/null || true
wait "$qemu" || true
pnmtopng "$work/screen.ppm" > "$shot"
echo "screen after ${seconds} s: $shot"

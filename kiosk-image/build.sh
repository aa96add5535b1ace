#!/usr/bin/env bash
# Build the Manassa kiosk's Debian 12 (bookworm) root filesystem into a folder with
# mmdebstrap, and optionally pack it as a tarball and assemble a bootable GPT disk image
# (EFI System Partition with systemd-boot, read-only root with overlayroot, persistent
# data partition). Needs root (chroot, file ownership) and Debian's package mirror.
#
#   kiosk-image/build.sh [options]
#     --out DIR         rootfs folder (default kiosk-image/out/rootfs); replaced if present
#     --binary FILE     the kiosk binary (default: cargo build --release, target/release/manassa)
#     --tarball FILE    also pack the rootfs as FILE (.tar.zst, numeric owners, xattrs)
#     --image FILE      also assemble a disk image FILE (raw GPT) and FILE.bmap
#     --data-size MIB   size of the data partition in the disk image (default 1024)
#     --mirror URL      Debian mirror (default: the one in this host's apt sources)
#     --security-mirror URL   Debian security mirror (default: from the host's apt sources)
#     --a4-uri URI      CUPS device URI of the A4 printer (default ipps://a4-printer.local/ipp/print;
#                       ipps://, usb:// or ipp/socket to a fixed IP address: lib/a4-uri.sh)
#     --a4-ppd FILE     PPD of the A4 printer (default: cups-filters' generic PDF printer)
#     --hostname NAME   (default manassa-kiosk)
#     --timezone ZONE   (default Asia/Qatar)
#
# Layout written into the rootfs: see kiosk-image/README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

# The kiosk user's uid is fixed: manassa.service finds cage's Wayland socket in /run/user/1000.
KIOSK_UID=1000
SUITE=bookworm

out="$here/out/rootfs"
binary=""
tarball=""
image=""
data_mib=1024
mirror=""
security_mirror=""
a4_uri="ipps://a4-printer.local/ipp/print"
a4_ppd=""
hostname="manassa-kiosk"
timezone="Asia/Qatar"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
die() { echo "build.sh: $*" >&2; exit 1; }
log() { echo "build.sh: $*" >&2; }

# ---- the customize step, run by mmdebstrap inside its chroot set-up (with /proc, /dev) ----
# Everything it needs comes through the environment (exported below).
customize() {
  local root=$1
  [ -d "$root" ] || die "customize: no rootfs at $root"
  log "customizing $root"

  # Files of the image (units, rules, configuration), owned by root.
  cp -r --no-preserve=ownership "$MANASSA_HERE/rootfs/." "$root/"

  # The app and its fonts (fontconfig finds them for speech-free fallbacks and for fc-list).
  install -m 0755 "$MANASSA_BINARY" "$root/usr/bin/manassa"
  install -d -m 0755 "$root/usr/share/fonts/truetype/manassa" "$root/usr/share/doc/manassa"
  install -m 0644 "$MANASSA_REPO"/assets/fonts/*.ttf "$root/usr/share/fonts/truetype/manassa/"
  install -m 0644 "$MANASSA_REPO/assets/fonts/OFL.txt" "$root/usr/share/doc/manassa/OFL-fonts.txt"
  install -m 0644 "$MANASSA_HERE/README.md" "$root/usr/share/doc/manassa/README.md"
  chroot "$root" fc-cache -f >/dev/null

  # The kiosk user: no password, no shell, in the groups of its devices (video: seatd's socket).
  chroot "$root" useradd --uid "$KIOSK_UID" --user-group --create-home --home-dir /home/kiosk \
    --shell /usr/sbin/nologin --groups dialout,lp,audio,video --comment "Manassa kiosk" kiosk
  chroot "$root" passwd --lock root >/dev/null

  # Configuration lives on the data partition.
  rm -rf "$root/etc/manassa"
  ln -s /var/lib/manassa/config "$root/etc/manassa"
  chroot "$root" systemd-tmpfiles --create /usr/share/manassa/data-layout.conf

  # The A4 queue from its template; the PPD's default paper is A4.
  local ppd="$MANASSA_A4_PPD"
  [ -n "$ppd" ] || ppd="$root/usr/share/ppd/cupsfilters/Generic-PDF_Printer-PDF.ppd"
  [ -f "$ppd" ] || die "A4 PPD $ppd not found"
  install -d -m 0755 "$root/etc/cups/ppd"
  sed -e 's/^\*Default\(PageSize\|PageRegion\|ImageableArea\|PaperDimension\): .*/*Default\1: A4/' \
    "$ppd" > "$root/etc/cups/ppd/kiosk-a4.ppd"
  chmod 0640 "$root/etc/cups/ppd/kiosk-a4.ppd"
  chroot "$root" chgrp lp /etc/cups/ppd/kiosk-a4.ppd
  local model
  model=$(sed -n 's/^\*NickName: *"\(.*\)"/\1/p' "$ppd" | head -n1)
  sed -e "s|@A4_DEVICE_URI@|$MANASSA_A4_URI|" -e "s|@A4_MAKE_MODEL@|${model:-Generic}|" \
    -e "s|@KIOSK_HOSTNAME@|$MANASSA_HOSTNAME|" -e "s|@BUILD_TIME@|$(date +%s)|" \
    "$root/usr/share/manassa/cups/printers.conf.in" > "$root/etc/cups/printers.conf"
  chmod 0600 "$root/etc/cups/printers.conf"
  # Retention: no job files kept, a short job history (usr/share/manassa/cups/cupsd-kiosk.conf).
  local directive
  while read -r directive _; do
    case "$directive" in ''|'#'*) continue ;; esac
    sed -i "/^[[:space:]]*$directive[[:space:]]/d" "$root/etc/cups/cupsd.conf"
  done < "$root/usr/share/manassa/cups/cupsd-kiosk.conf"
  grep -v '^#' "$root/usr/share/manassa/cups/cupsd-kiosk.conf" >> "$root/etc/cups/cupsd.conf"

  # Identity, clock, name resolution.
  echo "$MANASSA_HOSTNAME" > "$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
    "$MANASSA_HOSTNAME" > "$root/etc/hosts"
  ln -sf "/usr/share/zoneinfo/$MANASSA_TIMEZONE" "$root/etc/localtime"
  echo "$MANASSA_TIMEZONE" > "$root/etc/timezone"
  ln -sf /run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
  # Generated at boot (transient on the read-only root): never shared between kiosks.
  : > "$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"

  # Services: what runs, and nothing that offers a way out.
  chroot "$root" systemctl set-default graphical.target >/dev/null
  chroot "$root" systemctl enable seatd.service cage@tty1.service manassa.service manassa-data.service \
    cups.service systemd-networkd.service systemd-resolved.service systemd-timesyncd.service 2>/dev/null
  chroot "$root" systemctl disable speech-dispatcherd.service cups-browsed.service 2>/dev/null || true
  # No login prompt on any VT or serial line, no rescue by Ctrl+Alt+Del; brltty and
  # ModemManager (not installed) masked in case a later package brings them.
  chroot "$root" systemctl mask getty.target getty@.service autovt@.service serial-getty@.service \
    console-getty.service container-getty@.service debug-shell.service ctrl-alt-del.target \
    brltty.service brltty-udev.service ModemManager.service 2>/dev/null
  for rules in 90-brltty-device.rules 90-brltty-hid.rules 90-brltty-uinput.rules; do
    ln -sf /dev/null "$root/etc/udev/rules.d/$rules"
  done

  # Boot loader configuration for the disk image (systemd-boot on the ESP): no menu, no
  # editing of the kernel command line (init=/bin/sh would be a way out).
  install -d -m 0755 "$root/usr/share/manassa/esp/loader/entries"
  printf 'default manassa.conf\ntimeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\n' \
    > "$root/usr/share/manassa/esp/loader/loader.conf"
  printf '%s\n' "title Manassa kiosk" "linux /manassa/vmlinuz" "initrd /manassa/initrd.img" \
    "options root=LABEL=MANASSA-ROOT ro quiet loglevel=3 systemd.show_status=false vt.global_cursor_default=0 systemd.gpt_auto=0" \
    > "$root/usr/share/manassa/esp/loader/entries/manassa.conf"

  # Smaller image: no documentation but licences, no apt lists or caches.
  find "$root/usr/share/doc" -mindepth 1 -type f ! -name 'copyright' ! -path '*/manassa/*' -delete
  rm -rf "$root/usr/share/man" "$root/usr/share/info" "$root/var/cache/apt/"*.bin "$root/var/lib/apt/lists/"*
}

if [ "${1:-}" = "--customize" ]; then
  customize "$2"
  exit 0
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --tarball) tarball=$2; shift 2 ;;
    --image) image=$2; shift 2 ;;
    --data-size) data_mib=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --security-mirror) security_mirror=$2; shift 2 ;;
    --a4-uri) a4_uri=$2; shift 2 ;;
    --a4-ppd) a4_ppd=$(realpath "$2"); shift 2 ;;
    --hostname) hostname=$2; shift 2 ;;
    --timezone) timezone=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "build.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap chroots and sets file owners)"
# shellcheck source=kiosk-image/lib/a4-uri.sh
. "$here/lib/a4-uri.sh"
why=$(a4_uri_ok "$a4_uri") || die "--a4-uri $a4_uri: $why"
[[ "$hostname" =~ ^[a-z0-9][a-z0-9-]{0,62}$ ]] || die "--hostname $hostname: use a-z, 0-9 and -"
if ! [[ "$data_mib" =~ ^[0-9]+$ ]] || [ "$data_mib" -lt 64 ]; then
  die "--data-size: MiB, at least 64"
fi

# Host tools: mmdebstrap; for the disk image also mkfs.vfat, mtools, sfdisk, bmaptool.
host_tools=(mmdebstrap)
[ -n "$image" ] && host_tools+=(dosfstools mtools fdisk bmap-tools)
[ -n "$tarball" ] && host_tools+=(zstd)
missing=()
for p in "${host_tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The mirror this host's apt uses (deb822 .sources or one-line .list), for SUITE and
# SUITE-security: first URI whose suites include it.
host_mirror() {
  local want=$1 f uri suites
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # One stanza per blank-line-separated block.
    while IFS=$'\t' read -r uri suites; do
      for s in $suites; do
        [ "$s" = "$want" ] && { echo "$uri"; return 0; }
      done
    done < <(awk 'BEGIN{RS=""; FS="\n"} {u=""; s=""; ty=""; en="yes";
               for (i=1;i<=NF;i++) { if ($i ~ /^URIs:/) {sub(/^URIs:[ \t]*/,"",$i); split($i,a," "); u=a[1]}
                 if ($i ~ /^Suites:/) {sub(/^Suites:[ \t]*/,"",$i); s=$i}
                 if ($i ~ /^Types:/) {ty=$i}
                 if ($i ~ /^Enabled:[ \t]*no/) {en="no"} }
               if (u != "" && ty ~ /(^|[ \t])deb([ \t]|$)/ && en == "yes") print u "\t" s}' "$f")
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk -v want="$want" '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if ($(i+1)==want) { print $i; exit } }' "$f")
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  return 1
}
[ -n "$mirror" ] || mirror=$(host_mirror "$SUITE") ||
  die "no $SUITE mirror in /etc/apt/sources.list{,.d}; pass --mirror URL"
[ -n "$security_mirror" ] || security_mirror=$(host_mirror "$SUITE-security") ||
  { log "no $SUITE-security source on this host; building without security updates"; security_mirror=""; }

# The kiosk binary.
if [ -z "$binary" ]; then
  log "building the release binary (cargo build --release)"
  (cd "$repo" && cargo build --release --locked -p manassa --bin manassa)
  binary="$repo/target/release/manassa"
fi
binary=$(realpath "$binary")
[ -x "$binary" ] || die "kiosk binary $binary is missing or not executable"

mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.txt")
sources=("deb $mirror $SUITE main" "deb $mirror $SUITE-updates main")
[ -n "$security_mirror" ] && sources+=("deb $security_mirror $SUITE-security main")

export MANASSA_HERE="$here" MANASSA_REPO="$repo" MANASSA_BINARY="$binary" \
  MANASSA_A4_URI="$a4_uri" MANASSA_A4_PPD="$a4_ppd" MANASSA_HOSTNAME="$hostname" \
  MANASSA_TIMEZONE="$timezone" KIOSK_UID

log "mirror $mirror${security_mirror:+, security $security_mirror}; ${#packages[@]} packages"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
start=$(date +%s)
# shellcheck disable=SC2016  # $1 is expanded by mmdebstrap's hook shell: the rootfs path
mmdebstrap --mode=root --variant=minbase --format=directory \
  --include="$(IFS=,; echo "${packages[*]}")" \
  --customize-hook="\"$here/build.sh\" --customize \"\$1\"" \
  "$SUITE" "$out" "${sources[@]}"
log "rootfs built in $(( $(date +%s) - start )) s: $out ($(du -sh "$out" | cut -f1))"

if [ -n "$tarball" ]; then
  tar --numeric-owner --xattrs --xattrs-include='*' --acls -C "$out" -cf - . | zstd -q -T0 -9 -o "$tarball" -f
  log "tarball $tarball ($(du -h "$tarball" | cut -f1))"
fi

if [ -n "$image" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  esp_mib=256
  # Root: contents plus a quarter for ext4's metadata and slack, rounded to 64 MiB.
  used_mib=$(du -sm "$out" | cut -f1)
  root_mib=$(( (used_mib * 5 / 4 + 128 + 63) / 64 * 64 ))
  kernels=("$out"/boot/vmlinuz-*)
  kernel=${kernels[-1]}
  initrd="$out/boot/initrd.img-${kernel##*/vmlinuz-}"
  if [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then die "no kernel or initramfs in $out/boot"; fi

  # ESP (FAT32) built without mounting: systemd-boot as the fallback loader, kernel, initrd.
  mkfs.vfat -F 32 -n MANASSA-ESP -C "$work/esp.img" $((esp_mib * 1024)) >/dev/null
  mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT ::/loader ::/loader/entries ::/manassa
  mcopy -i "$work/esp.img" "$out/usr/lib/systemd/boot/efi/systemd-bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
  mcopy -i "$work/esp.img" "$out/usr/share/manassa/esp/loader/loader.conf" ::/loader/loader.conf
  mcopy -i "$work/esp.img" "$out/usr/share/manassa/esp/loader/entries/manassa.conf" ::/loader/entries/manassa.conf
  mcopy -i "$work/esp.img" "$kernel" ::/manassa/vmlinuz
  mcopy -i "$work/esp.img" "$initrd" ::/manassa/initrd.img

  # Root and data file systems populated from folders (mkfs.ext4 -d), no loop devices.
  mkfs.ext4 -q -F -L MANASSA-ROOT -d "$out" "$work/root.img" "${root_mib}M"
  mkfs.ext4 -q -F -L MANASSA-DATA -d "$out/var/lib/manassa" "$work/data.img" "${data_mib}M"

  total_mib=$((1 + esp_mib + root_mib + data_mib + 1))
  rm -f "$image"
  truncate -s "${total_mib}M" "$image"
  sfdisk --quiet "$image" <<EOF
label: gpt
start=1MiB, size=${esp_mib}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="esp"
size=${root_mib}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="manassa-root"
size=${data_mib}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="manassa-data"
EOF
  dd if="$work/esp.img" of="$image" bs=1M seek=1 conv=notrunc,sparse status=none
  dd if="$work/root.img" of="$image" bs=1M seek=$((1 + esp_mib)) conv=notrunc,sparse status=none
  dd if="$work/data.img" of="$image" bs=1M seek=$((1 + esp_mib + root_mib)) conv=notrunc,sparse status=none
  bmaptool -q create -o "$image.bmap" "$image"
  log "disk image $image: ${total_mib} MiB (ESP ${esp_mib}, root ${root_mib}, data ${data_mib}), $(du -h "$image" | cut -f1) allocated; $image.bmap"
fi

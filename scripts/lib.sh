# Shared by scripts/demo.sh and scripts/test.sh. Debian 12 package sets and helpers.

# What the kiosk needs at run time: X11/Wayland client libraries that winit loads, fontconfig.
# Speech: speech-dispatcher with espeak-ng voices (Arabic and English) at run time;
# sound-icons holds the "prompt" click played instead of echoing code digits;
# building the tts crate's speech-dispatcher-sys needs its headers and libclang (bindgen).
RUNTIME_PACKAGES=(libxkbcommon-x11-0 libxcursor1 libxi6 libxrandr2 libwayland-client0 libwayland-cursor0 libfontconfig1 libgl1
  speech-dispatcher speech-dispatcher-espeak-ng espeak-ng sound-icons libspeechd2 libspeechd-dev libclang-dev pkg-config)
# What the test suite needs besides: a real CUPS with a PDF queue (cups-filters), ipptool
# (cups-ipp-utils, a second IPP client to check ours against), pdftotext, qpdf, zbarimg
# (zbar-tools, a second QR decoder for the printed seals),
# Debian's Chromium for the phone verifier page's browser test,
# a virtual display for screenshots, and pkg-config for the build.
TEST_PACKAGES=(cups cups-client cups-bsd cups-filters cups-ipp-utils poppler-utils qpdf zbar-tools chromium xvfb xauth pkg-config systemd)

# Install the packages of "$@" that are not installed yet (apt-get as root, or via sudo).
need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# shellcheck shell=bash
# Which CUPS device URIs the kiosk image accepts for its A4 printer (sourced by build.sh and
# by tests/kiosk_image.rs). A network printer is reached over IPP with TLS (ipps://, CUPS
# pins the printer's certificate on first use) or at a fixed IP address; a plain-text
# protocol to a name that anyone on the network can answer for (mDNS `.local`, DNS) would
# let a neighbour receive the residents' papers.

# a4_uri_ok URI: exit 0 when URI is acceptable, else print why and exit 1.
a4_uri_ok() {
  local uri=$1 scheme host
  if ! [[ "$uri" =~ ^[a-z]+:[^[:space:]|]+$ ]]; then
    echo "not a device URI"; return 1
  fi
  scheme=${uri%%:*}
  case "$scheme" in
    ipps|usb|file) return 0 ;;
    ipp|http|socket|lpd) ;;
    *) echo "scheme $scheme: use ipps://, usb:// or a fixed address"; return 1 ;;
  esac
  host=${uri#*://}
  host=${host%%/*}
  host=${host##*@}
  host=${host%:[0-9]*}
  if [[ "$host" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || "$host" =~ ^\[[0-9a-fA-F:]+\]$ ]]; then
    return 0
  fi
  echo "$scheme://$host is plain text to a name anyone on the network can claim: use ipps:// or a fixed IP address"
  return 1
}

#!/usr/bin/env bash
# Installs the Debian 12 packages postino needs to build and test.
# Idempotent and non-interactive: only missing packages are installed.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libssl-dev libsqlite3-dev libfmt-dev libtomlplusplus-dev
  libargon2-dev libidn2-dev zlib1g-dev libgtest-dev libgmock-dev libunbound-dev
  dns-root-data
)
TEST_PKGS=(
  clang-14 libclang-rt-14-dev python3 python3-pytest curl openssl
  python3-dkim python3-spf python3-dnspython python3-yaml python3-cryptography fetchmail getmail6
  mutt isync
  nsd ldnsutils
  swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl
)

want=("${BUILD_PKGS[@]}")
if [ "${1:-}" = "--test" ]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

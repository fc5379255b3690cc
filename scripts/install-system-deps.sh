#!/usr/bin/env bash
# Installs the Debian packages scaptool builds and tests with:
#   sysdig 0.29.3            the interop peer (reads/writes .scap, hosts API 0.3.0 plugins)
#   libfalcosecurity0-dev    plugin API 0.3.0 header (fixture plugin dummy_c) and libscap
#   build-essential, pkg-config, zlib1g-dev: fixture plugins, native build
#   time                     GNU time: peak RSS in the memory tests
#   libxml2-utils            xmllint: JUnit reports validated against the Surefire/Jenkins schema
#   chromium                 headless Chromium: the HTML report checked as a browser renders it
# Idempotent: does nothing when everything is present.
set -euo pipefail
packages=(sysdig libfalcosecurity0-dev build-essential pkg-config zlib1g-dev time libxml2-utils chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "installing: ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# --no-install-recommends: sysdig recommends its kernel module (dkms + kernel headers), which
# reading and writing capture files never needs.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

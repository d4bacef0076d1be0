#!/usr/bin/env bash
# Installs headless Chromium (Debian package "chromium") for the report's browser test, unless it is already there.
# The integration test renders compliance.html in it; without it that test is skipped, so the test command calls
# this first. Needs root (as on CI) or sudo; offline machines must have the package already.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then
  exit 0
fi
sudo_cmd=()
if [[ "$(id -u)" -ne 0 ]]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core > /dev/null
/usr/bin/chromium --version

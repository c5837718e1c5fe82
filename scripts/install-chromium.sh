#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests; nothing is downloaded from elsewhere.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium

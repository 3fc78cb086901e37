#!/bin/bash
# Install what building and testing ocirun needs (Debian 12, as root). Quiet unless it fails.
set -euo pipefail
# iptables: criu saves and restores a network namespace with iptables-save/-restore.
pkgs=(meson ninja-build gcc pkg-config libjansson-dev libseccomp-dev libcap-dev nettle-dev
      criu libprotobuf-c-dev iptables
      busybox-static python3 python3-pytest python3-pytest-timeout python3-pytest-xdist
      python3-jsonschema iproute2 procps util-linux)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

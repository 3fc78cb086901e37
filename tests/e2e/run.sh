#!/bin/bash
# tests/e2e/run.sh [--runtime PATH] [pytest args...]
#
# End-to-end tests: podman and containerd (Debian's packages) run their containers with
# a runc-compatible runtime, by default ocirun from build/src/ocirun (or $OCIRUN).
# `tests/e2e/run.sh --runtime /usr/sbin/runc` checks the suite itself against runc.
# Installs what it needs (as root, Debian 12); starts podman and its own containerd with
# all their state in a temporary directory and removes everything at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

runtime=${OCIRUN:-$repo/build/src/ocirun}
default_runtime=$runtime
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--runtime) runtime=$2; shift 2 ;;
	--runtime=*) runtime=${1#--runtime=}; shift ;;
	*) args+=("$1"); shift ;;
	esac
done

pkgs=(podman conmon containerd runc crun uidmap busybox-static python3 python3-pytest
      python3-pytest-timeout util-linux procps)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	# The packages' own services (containerd.service, podman.socket) must not start:
	# the tests start their own isolated daemons. policy-rc.d only while apt runs.
	policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		trap 'rm -f "$policy"' EXIT
		printf '#!/bin/sh\nexit 101\n' > "$policy"
		chmod 755 "$policy"
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
	if [ -n "$policy" ]; then rm -f "$policy"; trap - EXIT; fi
fi

if [ "$runtime" = "$default_runtime" ] && [ ! -x "$runtime" ]; then
	echo "building ocirun ($runtime is missing)"
	"$repo/scripts/deps.sh"
	"$repo/scripts/build.sh" >/dev/null
fi

cd "$here"
exec /usr/bin/python3 -m pytest -c "$here/pytest.ini" --rootdir "$here" "$here" \
	--runtime "$runtime" ${args[@]+"${args[@]}"}

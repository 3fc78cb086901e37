#!/bin/bash
# mkbundle.sh DIR [ARGS...]: a bundle in DIR with a busybox rootfs (from Debian's
# busybox-static) and the default config of `ocirun spec`, running ARGS (default: sh).
set -euo pipefail
dir=$1; shift
ocirun=${OCIRUN:-$(dirname "$0")/../build/src/ocirun}
mkdir -p "$dir/rootfs"/{bin,etc,proc,sys,dev,tmp,root}
cp /bin/busybox "$dir/rootfs/bin/busybox"
for app in $(/bin/busybox --list); do
	[ "$app" = busybox ] || ln -sf busybox "$dir/rootfs/bin/$app"
done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n' > "$dir/rootfs/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$dir/rootfs/etc/group"
rm -f "$dir/config.json"
"$ocirun" spec --bundle "$dir"
if [ $# -gt 0 ]; then
	python3 - "$dir/config.json" "$@" <<'PY'
import json, sys
path, args = sys.argv[1], sys.argv[2:]
c = json.load(open(path))
c["process"]["args"] = args
c["process"]["terminal"] = False
json.dump(c, open(path, "w"), indent=2)
PY
fi

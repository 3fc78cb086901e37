#!/bin/sh
# seq.sh RUNTIME ROOT BUNDLE ID: the sequence containerd drives, one invocation each:
# create; start; poll `state` until the container is stopped; delete.
rt=$1 root=$2 bundle=$3 id=$4
"$rt" --root "$root" create --bundle "$bundle" "$id" </dev/null >/dev/null || exit 1
"$rt" --root "$root" start "$id" || exit 1
n=0
until "$rt" --root "$root" state "$id" | grep -q '"status": *"stopped"'; do
	n=$((n + 1))
	[ $n -lt 2000 ] || { echo "seq.sh: $id never stopped" >&2; exit 1; }
done
exec "$rt" --root "$root" delete "$id"

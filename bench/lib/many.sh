#!/bin/sh
# many.sh RUNTIME ROOT BUNDLE PREFIX COUNT PARALLEL: COUNT containers, each through
# seq.sh (create, start, wait, delete), PARALLEL at a time.
rt=$1 root=$2 bundle=$3 prefix=$4 count=$5 par=$6
here=$(dirname "$0")
seq 1 "$count" | xargs -P "$par" -I{} "$here/seq.sh" "$rt" "$root" "$bundle" "$prefix-{}"

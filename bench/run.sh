#!/bin/bash
# bench/run.sh [--runtimes ocirun,runc,crun] [--quick] [--scenario N[,N...]]
#
# Side-by-side benchmark of ocirun, runc and crun on one busybox bundle made from `spec`
# defaults (terminal false, args /bin/true). Installs what it needs (Debian 12, as root),
# builds ocirun, runs the scenarios (bench/README.md describes them), prints the table and
# leaves raw results, the table and a plot in bench/results/<date>/ (and bench/results/latest).
#
# Every runtime command runs inside `unshare -m --propagation private` with the cgroup2
# mount of this hybrid host unmounted in that private namespace (crun 1.8 refuses hybrid
# hosts); the cost of that wrapper alone is measured in every hyperfine invocation and
# subtracted in the table. Each hyperfine invocation holds all runtimes and the wrapper
# baseline; a scenario is split in rounds with the command order rotated, so the runtimes
# interleave and drift on a busy machine hits them alike.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
lib=$here/lib

runtimes=ocirun,runc,crun
quick=0
scenarios=1,2,3,4,5,6,7
usage() { sed -n '2,2p' "$0" | sed 's/^# //'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--runtimes) runtimes=${2:?}; shift ;;
	--runtimes=*) runtimes=${1#*=} ;;
	--quick) quick=1 ;;
	--scenario|--scenarios) scenarios=${2:?}; shift ;;
	--scenario=*|--scenarios=*) scenarios=${1#*=} ;;
	-h|--help) usage 0 ;;
	*) echo "run.sh: unknown argument: $1" >&2; usage ;;
	esac
	shift
done
for s in ${scenarios//,/ }; do
	case $s in [1-7]) ;; *) echo "run.sh: no scenario $s (1-7)" >&2; exit 2 ;; esac
done
for rt in ${runtimes//,/ }; do
	case $rt in ocirun|runc|crun) ;; *) echo "run.sh: unknown runtime $rt" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 1; }

say() { printf '%s\n' "== $*" >&2; }

# --- what it needs -------------------------------------------------------------------
if [ -z "${BENCH_UNDER_REAPER:-}" ]; then
	pkgs=(runc crun hyperfine gnuplot-nox time python3 busybox-static util-linux coreutils
	      findutils)
	missing=()
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		say "installing: ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null
	fi
	# Run the rest under a child subreaper: detached containers are reparented to it and
	# reaped when they exit, as under containerd's shim (PID 1 here may never reap).
	export BENCH_UNDER_REAPER=1
	exec python3 "$lib/reaper.py" "$0" --runtimes "$runtimes" --scenario "$scenarios" \
		$([ $quick = 1 ] && echo --quick)
fi

want() { [[ ",$scenarios," == *",$1,"* ]]; }

stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$here/results"
res=$here/results/$stamp
mkdir -p "$res"
ln -sfn "$stamp" "$here/results/latest"
log=$res/log.txt
: >"$log"

# --- ocirun ----------------------------------------------------------------------------
rts=()
for rt in ${runtimes//,/ }; do
	if [ "$rt" = ocirun ]; then
		say "building ocirun (scripts/build.sh, log in $log)"
		if ! { bash "$repo/scripts/deps.sh" && bash "$repo/scripts/build.sh"; } >>"$log" 2>&1 \
				|| [ ! -x "$repo/build/src/ocirun" ]; then
			say "ocirun does not build: measuring without it (see $log)"
			continue
		fi
	fi
	rts+=("$rt")
done
# ocirun is measured from a copy taken now: others may rebuild build/ during the run.
bin_of() {
	case $1 in
	ocirun) echo "$work/bin/ocirun" ;;
	*) command -v "$1" ;;
	esac
}

# --- the namespace wrapper -------------------------------------------------------------
# Check once that the namespace is private and that unmounting there leaves the host's
# cgroup2 mount in place.
W="unshare -m --propagation private $lib/in-ns"
host_unified=0
mountpoint -q /sys/fs/cgroup/unified && host_unified=1
prop=$(unshare -m --propagation private sh -c \
	'umount /sys/fs/cgroup/unified 2>/dev/null; findmnt -n -o PROPAGATION /sys/fs/cgroup')
[ "$prop" = private ] || { echo "run.sh: the benchmark namespace is not private ($prop)" >&2; exit 1; }
if [ $host_unified = 1 ] && ! mountpoint -q /sys/fs/cgroup/unified; then
	echo "run.sh: /sys/fs/cgroup/unified vanished from the host's mounts" >&2; exit 1
fi

# --- work dir, bundles, cleanup ------------------------------------------------------
work=$(mktemp -d /tmp/ocirun-bench.XXXXXX)
B=$work/bundles
mkdir -p "$work/bin"
if [[ " ${rts[*]} " == *" ocirun "* ]]; then
	cp "$repo/build/src/ocirun" "$work/bin/ocirun"
fi
root_of() { echo "$work/root-$1"; }
cleanup() {
	local rt id r
	for rt in "${rts[@]}"; do
		r=$(root_of "$rt")
		[ -d "$r" ] || continue
		for id in $(ls "$r" 2>/dev/null); do
			[ -d "$r/$id" ] || continue
			timeout -k 2 30 $W "$(bin_of "$rt")" --root "$r" delete --force "$id" >/dev/null 2>&1 || true
		done
		for id in $(ls "$r" 2>/dev/null); do
			[ -d "$r/$id" ] && echo "run.sh: could not delete $rt container $id" >&2
		done
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

spec_rt=runc
[[ " ${rts[*]} " == *" ocirun "* ]] && spec_rt=ocirun
OCIRUN=$(bin_of $spec_rt) bash "$repo/scripts/mkbundle.sh" "$B/true" /bin/true
python3 "$lib/configs.py" variants "$B/true" "$here/seccomp-default.json" "$work"

for rt in "${rts[@]}"; do mkdir -p "$(root_of "$rt")"; done

# Drop a runtime that cannot run the plain bundle at all.
ok=()
for rt in "${rts[@]}"; do
	if out=$(timeout -k 2 60 $W "$(bin_of "$rt")" --root "$(root_of "$rt")" run --bundle "$B/true" \
			"bench-$rt-check" </dev/null 2>&1); then
		ok+=("$rt")
	else
		say "$rt cannot run the busybox bundle, left out: $(tail -n1 <<<"$out")"
		timeout -k 2 30 $W "$(bin_of "$rt")" --root "$(root_of "$rt")" delete --force \
			"bench-$rt-check" >/dev/null 2>&1 || true
	fi
done
rts=("${ok[@]}")
[ ${#rts[@]} -gt 0 ] || { echo "run.sh: no runtime works" >&2; exit 1; }
rtlist=$(IFS=,; echo "${rts[*]}")

# --- the machine -----------------------------------------------------------------------
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(. /etc/os-release; echo "$PRETTY_NAME")"
	echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	for rt in "${rts[@]}"; do
		echo "$rt: $("$(bin_of "$rt")" --version 2>/dev/null | head -n2 | paste -sd' ')"
	done
	if [[ " ${rts[*]} " == *" ocirun "* ]]; then
		dirty=$(git -C "$repo" status --porcelain --untracked-files=no -- src meson.build 2>/dev/null | wc -l)
		echo "ocirun source: $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$([ "$dirty" = 0 ] || echo " + uncommitted changes in $dirty files")"
	fi
	echo "hyperfine: $(hyperfine --version)"
	echo "mode: $([ $quick = 1 ] && echo quick || echo full), scenarios $scenarios"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$res/env.txt"
cat "$res/env.txt" >&2

# --- settings --------------------------------------------------------------------------
if [ $quick = 1 ]; then
	rounds=1 runs=5 warmup=1 many_runs=1 rss_runs=3
else
	rounds=5 runs=100 warmup=2 many_runs=5 rss_runs=15
fi
many_count=100 many_par=8

failed() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$res/failed.txt"; say "$2 fails scenario $1: $3"; }

# cmd_of SCENARIO NAME: the command hyperfine times (NAME is a runtime or 'baseline').
# Each is bounded by timeout(1) (the baseline too, so its cost is subtracted): a run that
# hangs is killed, counted as failed and left out of the statistics (hyperfine -i).
cmd_of() {
	local s=$1 rt=$2 T="timeout -k 1 5 $W"
	[ "$s" = 5 ] && T="timeout -k 2 300 $W"
	if [ "$rt" = baseline ]; then echo "$T /bin/true"; return; fi
	local bin r
	bin=$(bin_of "$rt") r=$(root_of "$rt")
	case $s in
	1) echo "$T $bin --root $r run --bundle $B/true bench-$rt-run" ;;
	2) echo "$T $lib/seq.sh $bin $r $B/true bench-$rt-seq" ;;
	3) echo "$T $bin --root $r exec bench-$rt-sleeper /bin/true" ;;
	4) echo "$T $bin --root $r run --bundle $B/large bench-$rt-large" ;;
	5) echo "$T $lib/many.sh $bin $r $B/true bench-$rt-many $many_count $many_par" ;;
	7b) echo "$T $bin --root $r state bench-$rt-sleeper" ;;
	esac
}

# prep_of SCENARIO NAME: hyperfine's --prepare for that command.
prep_of() {
	local s=$1 rt=$2
	case $rt:$s in
	baseline:*|*:3|*:7b) echo /bin/true ;;
	*:5) echo "$lib/reset.sh $(bin_of "$rt") $(root_of "$rt") bench-$rt-many-*" ;;
	*:1) echo "$lib/reset.sh $(bin_of "$rt") $(root_of "$rt") bench-$rt-run" ;;
	*:2) echo "$lib/reset.sh $(bin_of "$rt") $(root_of "$rt") bench-$rt-seq" ;;
	*:4) echo "$lib/reset.sh $(bin_of "$rt") $(root_of "$rt") bench-$rt-large" ;;
	esac
}

# check SCENARIO RT: untimed runs, up to 3 until one succeeds; when none does, record
# the failure, clean up, and return 1.
check() {
	local s=$1 rt=$2 out cmd rc try
	cmd=$(cmd_of "$s" "$rt")
	[ "$s" = 5 ] && cmd=${cmd% $many_count $many_par}" 8 8"
	for try in 1 2 3; do
		rc=0
		$cmd </dev/null >/dev/null 2>"$work/err" || rc=$?
		[ $rc != 0 ] || break
		case $rc in
		124|137) out="hung: killed by timeout(1)" ;;
		*) out=$(tail -n1 "$work/err"); out=${out:-exit status $rc} ;;
		esac
		local id
		for id in $(ls "$(root_of "$rt")"); do
			case $id in *sleeper) continue ;; esac
			timeout -k 2 30 $W "$(bin_of "$rt")" --root "$(root_of "$rt")" delete --force \
				"$id" >/dev/null 2>&1 || true
		done
	done
	if [ $rc != 0 ]; then
		failed "$s" "$rt" "3 of 3 untimed runs failed: $out"
		return 1
	fi
	[ $try = 1 ] || failed "$s" "$rt" "$((try - 1)) untimed runs failed before one passed: $out"
	return 0
}

# hf SCENARIO RUNS WARMUP: hyperfine over the runtimes that pass check() and the wrapper
# baseline, in $rounds rounds with the command order rotated.
hf() {
	local s=$1 n=$2 w=$3 rt r k names=(baseline) args
	for rt in "${rts[@]}"; do check "$s" "$rt" && names+=("$rt"); done
	[ ${#names[@]} -gt 1 ] || return 0
	local per=$(( (n + rounds - 1) / rounds )) m=${#names[@]}
	for ((r = 0; r < rounds; r++)); do
		args=()
		for ((k = 0; k < m; k++)); do
			local name=${names[$(( (k + r) % m ))]}
			args+=(-n "$name" "$(cmd_of "$s" "$name")" --prepare "$(prep_of "$s" "$name")")
		done
		if ! hyperfine -N -i --style basic --warmup "$w" --runs "$per" \
				--export-json "$res/s$s-r$r.json" "${args[@]}" >>"$log" 2>&1; then
			say "hyperfine failed in scenario $s (round $r): $(tail -n3 "$log")"
			rm -f "$res/s$s-r$r.json"
			return 1
		fi
		# a runtime that failed (or hung) in a fifth of this round's runs sits out the
		# remaining rounds: a hang costs the whole timeout each time.
		local bad
		bad=$(python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    n = sum(1 for c in r.get("exit_codes", []) if c != 0)
    if r["command"] != "baseline" and n and n >= max(1, len(r["times"]) // 5):
        print(r["command"], n, len(r["times"]))' "$res/s$s-r$r.json")
		while read -r rt k total; do
			[ -n "$rt" ] || continue
			failed "$s" "$rt" "$k of $total runs failed or timed out in round $((r + 1)) of $rounds; left out of the later rounds"
			local keep=()
			for name in "${names[@]}"; do [ "$name" = "$rt" ] || keep+=("$name"); done
			names=("${keep[@]}")
			m=${#names[@]}
		done <<<"$bad"
		[ $m -gt 1 ] || break
	done
}

sample() { # sample SCENARIO RUNTIME VALUES_CSV [NOTE]
	printf '{"scenario":"%s","runtime":"%s","values":[%s],"note":"%s"}\n' \
		"$1" "$2" "$3" "${4:-}" >>"$res/samples.jsonl"
}

start_sleepers() {
	local rt out
	for rt in "${rts[@]}"; do
		# the container inherits these stdio: no pipe, or a reader would wait for it
		timeout -k 2 60 $W "$(bin_of "$rt")" --root "$(root_of "$rt")" run -d \
			--bundle "$B/sleep" "bench-$rt-sleeper" </dev/null >/dev/null 2>"$work/err" \
			|| say "$rt cannot start the sleeping container: $(tail -n1 "$work/err")"
	done
}
stop_sleepers() {
	local rt
	for rt in "${rts[@]}"; do
		timeout -k 2 30 $W "$(bin_of "$rt")" --root "$(root_of "$rt")" delete --force \
			"bench-$rt-sleeper" >/dev/null 2>&1 || true
	done
}

# memprobe RT BYTES: does `run` of /bin/true succeed under memory.limit BYTES?
# The rootfs's busybox is read first, outside the container: a page of it missing from the
# page cache would be read in by the container and charged to its limit, where a tight
# limit evicts it again for the next run, so the result would depend on the cache's past.
memprobe() {
	local rt=$1 bytes=$2 rc=0 bin r
	bin=$(bin_of "$rt") r=$(root_of "$rt")
	cat "$B/true/rootfs/bin/busybox" >/dev/null
	python3 "$lib/configs.py" memlimit "$B/true" "$B/mem-$rt" "$bytes"
	timeout -k 2 30 $W "$bin" --root "$r" run --bundle "$B/mem-$rt" "bench-$rt-mem" \
		</dev/null >/dev/null 2>&1 || rc=1
	timeout -k 2 30 $W "$bin" --root "$r" delete --force "bench-$rt-mem" >/dev/null 2>&1 || true
	return $rc
}
# memmajority RT BYTES: two of three runs succeed (a chance failure far above the threshold
# must not send the binary search into the upper half for good).
memmajority() {
	local ok=0 k
	for ((k = 0; k < 3 && ok < 2 && k - ok < 2; k++)); do
		memprobe "$1" "$2" && ok=$((ok + 1))
	done
	[ $ok -ge 2 ]
}
# memfive RT BYTES: five runs in a row succeed.
memfive() {
	local k
	for ((k = 0; k < 5; k++)); do memprobe "$1" "$2" || return 1; done
}
# memsearch RT: the smallest limit, in 4 KiB pages between 64 KiB and 64 MiB, under which
# five runs in a row succeed; prints bytes. Near the threshold a run passes or fails by
# chance (objects that are freed after an RCU grace period, the page tables of a
# randomised address layout): a binary search on majorities finds the region, then 4 KiB
# steps up until five in a row pass, then down while five in a row still pass (so that an
# unlucky probe above the threshold does not stand as the result).
memsearch() {
	local rt=$1 lo=16 hi=16384 mid tries
	if memprobe "$rt" $((lo * 4096)); then echo $((lo * 4096)); return; fi
	memprobe "$rt" $((hi * 4096)) || return 1
	while [ $((hi - lo)) -gt 1 ]; do
		mid=$(( (lo + hi) / 2 ))
		if memmajority "$rt" $((mid * 4096)); then hi=$mid; else lo=$mid; fi
	done
	for ((tries = 0; tries < 64; tries++)); do
		memfive "$rt" $((hi * 4096)) && break
		hi=$((hi + 1))
	done
	[ $tries -lt 64 ] || return 1
	for ((tries = 0; tries < 32 && hi - 1 > 16; tries++)); do
		memfive "$rt" $(((hi - 1) * 4096)) || break
		hi=$((hi - 1))
	done
	echo $((hi * 4096))
}

t0=$(date +%s)
want 1 && { say "1: run /bin/true"; hf 1 "$runs" "$warmup" || true; }
want 2 && { say "2: create, start, poll state, delete"; hf 2 "$runs" "$warmup" || true; }
if want 3 || want 7; then start_sleepers; fi
want 3 && { say "3: exec /bin/true into a running container"; hf 3 "$runs" "$warmup" || true; }
if want 7; then
	say "7: binary size; state of a running container"
	hf 7b "$runs" "$warmup" || true
	for rt in "${rts[@]}"; do
		b=$(bin_of "$rt")
		libs=$(ldd "$b" 2>/dev/null | awk '$3 ~ /^\// {print $3}' | grep -v -E '/(libc|ld-linux[^/]*)\.so' || true)
		libsz=0
		for l in $libs; do libsz=$((libsz + $(stat -L -c %s "$l"))); done
		nl=$(wc -w <<<"$libs")
		if [ "$nl" -gt 0 ]; then
			note="+ $nl shared libs besides libc: $(awk -v s=$libsz 'BEGIN {printf "%.1f MiB", s/1048576}')"
		else
			note="no shared libs besides libc"
		fi
		sample 7a "$rt" "$(stat -L -c %s "$b")" "$note"
	done
fi
if want 3 || want 7; then stop_sleepers; fi
want 4 && { say "4: run with a large config"; hf 4 "$runs" "$warmup" || true; }
want 5 && { say "5: $many_count containers, $many_par in parallel"; hf 5 "$many_runs" 0 || true; }
if want 6; then
	say "6: peak RSS of run; smallest memory limit"
	declare -A rss=()
	m=${#rts[@]}
	for ((i = 0; i < rss_runs; i++)); do
		for ((k = 0; k < m; k++)); do
			rt=${rts[$(( (k + i) % m ))]}
			f=$work/rss
			if timeout -k 2 60 $W /usr/bin/time -f %M -o "$f" "$(bin_of "$rt")" \
					--root "$(root_of "$rt")" run --bundle "$B/true" "bench-$rt-rss" \
					</dev/null >/dev/null 2>&1; then
				rss[$rt]+="${rss[$rt]:+,}$(tail -n1 "$f")"
			else
				timeout -k 2 30 $W "$(bin_of "$rt")" --root "$(root_of "$rt")" delete --force \
					"bench-$rt-rss" >/dev/null 2>&1 || true
			fi
		done
	done
	for rt in "${rts[@]}"; do
		if [ -n "${rss[$rt]:-}" ]; then sample 6a "$rt" "${rss[$rt]}"
		else failed 6a "$rt" "run under /usr/bin/time failed"; fi
		if lim=$(memsearch "$rt"); then
			note="binary search, 4 KiB steps"
			[ "$lim" = 65536 ] && note="≤ 64 KiB (lower bound of the search)"
			sample 6b "$rt" "$lim" "$note"
		else
			failed 6b "$rt" "does not run /bin/true even under 64 MiB"
		fi
	done
fi
# ocirun --debug logs when each phase of create/init ends: collect them for the report.
if [[ " ${rts[*]} " == *" ocirun "* ]] && { want 1 || want 4; }; then
	say "ocirun phase timings (--debug)"
	for bundle in true large; do
		for ((i = 0; i < (quick ? 5 : 30); i++)); do
			ts=$(date +%s%N)
			timeout -k 2 20 $W "$(bin_of ocirun)" --debug --root "$(root_of ocirun)" run \
				--bundle "$B/$bundle" bench-ocirun-phases </dev/null >/dev/null \
				2>>"$res/phases-$bundle.log" || true
			echo $(( ($(date +%s%N) - ts) / 1000 )) >>"$res/phases-$bundle.wall-us"
		done
	done
fi
say "measured in $(( $(date +%s) - t0 )) s"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg), measured in $(( $(date +%s) - t0 )) s" >>"$res/env.txt"

echo
cat "$res/env.txt"
echo
python3 "$lib/report.py" "$res" "$rtlist"
[ -f "$res/failed.txt" ] && { echo; echo "failures:"; sed 's/\t/: /; s/\t/: /' "$res/failed.txt"; }
echo
echo "raw results, table.md and results.png in $res"
# bench/results.png (the README's) is replaced only by a full run of every scenario in
# which every runtime asked for was measured.
if [ $quick = 0 ] && [ "$scenarios" = 1,2,3,4,5,6,7 ] && [ "$rtlist" = "$runtimes" ] \
		&& [ -f "$res/results.png" ]; then
	cp "$res/results.png" "$here/results.png"
	echo "plot copied to bench/results.png"
fi

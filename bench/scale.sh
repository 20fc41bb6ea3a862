#!/usr/bin/env bash
# Issue 13's whole-process measurements in one script, one after the other on the same build:
#
#   bench/scale.sh [STEPS]      STEPS: comma-separated, default "default,files1m,db1m"
#
#   default  100k × 50: `--format csv,json` and the default run (every format), alternated twice;
#            prints the ratio of the default run to csv,json (target ≤ 3× the time, < 1 GB)
#   files1m  1M × 50 from files, `--format csv,json`, twice (target ≤ 30 s, ≤ 2 GB)
#   db1m     1M × 50 through PostgreSQL: `db migrate`, `db import`, then `run --db --format
#            csv,json` once (target ≤ 60 s, ≤ 2.5 GB; a second run of the same data is refused:
#            the batch exists); needs $GOVSCORE_BENCH_DATABASE_URL, an empty database this script
#            may fill (it is migrated and imported into, never dropped)
#
# The pandas comparison (100k × 50, csv,json) is bench/run.sh. Environment: WORK (scratch
# directory; default a temporary one, removed at the end). Each run prints "name wall_s cpu_s
# peak_rss_kb" from /usr/bin/time -v, with the load average before it.
set -euo pipefail
steps=${1:-default,files1m,db1m}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if [[ -z ${WORK:-} ]]; then
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
gs="$WORK/govscore"
(cd "$root" && go build -trimpath -o "$gs" ./cmd/govscore)
echo "# $(date -u +%FT%TZ) $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), commit $(git -C "$root" rev-parse --short HEAD)"
echo "# run wall_s cpu_s peak_rss_kb load1"

# measure NAME CMD...: runs CMD under /usr/bin/time -v and prints "NAME wall cpu rss_kb load".
measure() {
	local name=$1
	shift
	local load
	load=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -v -o "$WORK/time.log" "$@" >/dev/null 2>"$WORK/stderr.log" || {
		cat "$WORK/stderr.log" >&2
		exit 1
	}
	awk -v name="$name" -v ld="$load" -F': ' '
		/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
		/Elapsed \(wall clock\)/ {n=split($2, p, ":"); w=0; for (i=1;i<=n;i++) w=w*60+p[i]}
		END {printf "%s %.2f %.2f %d %s\n", name, w, u+s, m, ld}' "$WORK/time.log" | tee -a "$WORK/results.txt"
}

gen() { # gen DIR SUBJECTS
	[[ -d $1 ]] || "$gs" gen "$1" --subjects "$2" --leaves 50 >/dev/null
}

: >"$WORK/results.txt"
IFS=, read -ra todo <<<"$steps"
for step in "${todo[@]}"; do
	case $step in
	default)
		gen "$WORK/p100k" 100000
		for i in 1 2; do
			measure "csvjson_100k_$i" "$gs" run "$WORK/p100k" -o "$WORK/o" -q --format csv,json
			rm -rf "$WORK/o"
			measure "default_100k_$i" "$gs" run "$WORK/p100k" -o "$WORK/o" -q
			rm -rf "$WORK/o"
		done
		awk '/^csvjson_100k/ {cw+=$2; cc+=$3; n++} /^default_100k/ {dw+=$2; dc+=$3; if ($4>dm) dm=$4}
			END {printf "default/csv,json: wall %.2fx, CPU %.2fx; default peak %d MB\n", dw/cw, dc/cc, dm/1024}' "$WORK/results.txt"
		;;
	files1m)
		gen "$WORK/p1m" 1000000
		for i in 1 2; do
			measure "files_1m_$i" "$gs" run "$WORK/p1m" -o "$WORK/o" -q --format csv,json
			rm -rf "$WORK/o"
		done
		;;
	db1m)
		url=${GOVSCORE_BENCH_DATABASE_URL:?db1m needs GOVSCORE_BENCH_DATABASE_URL}
		gen "$WORK/p1m" 1000000
		"$gs" db migrate --db "$url" >/dev/null
		measure "db_import_1m" "$gs" db import "$WORK/p1m" --db "$url"
		measure "db_run_1m" "$gs" run "$WORK/p1m" --db "$url" -q --format csv,json
		;;
	*)
		echo "bench/scale.sh: unknown step $step (default, files1m, db1m)" >&2
		exit 2
		;;
	esac
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

#!/usr/bin/env bash
# Issue 13 baseline: govscore run --format csv,json against the pandas script producing the same
# outputs (bench/pandas/score.py: results.csv, indicators.csv, results.json), on the `govscore gen`
# shape, run back to back in one script.
#
#   bench/run.sh [SUBJECTS [LEAVES [PAIRS]]]     defaults: 100000 50 3
#
# Environment: WORK (scratch directory, default a temporary one, removed at the end unless
# given), PYTHON (default python3; needs pandas, numpy and PyYAML).
# Prints, per run, wall, user+sys CPU and peak RSS (from /usr/bin/time -v) and the sizes of the
# files each side wrote; checks that the outputs agree (bench/pandas/compare.py: all three files
# after the first pair, results.csv after the others — both sides are deterministic), and prints
# the pandas/govscore ratios of CPU time, wall time and peak RSS for each pair and for the medians.
set -euo pipefail
subjects=${1:-100000}
leaves=${2:-50}
pairs=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
python=${PYTHON:-python3}
if [[ -z ${WORK:-} ]]; then
	WORK=$(mktemp -d)
	trap 'rm -rf "$WORK"' EXIT
fi
mkdir -p "$WORK"
"$python" -c 'import pandas, numpy, yaml' || {
	echo "bench/run.sh: $python lacks pandas/numpy/yaml (apt-get install python3-pandas python3-yaml, or set PYTHON)" >&2
	exit 2
}

(cd "$root" && go build -trimpath -o "$WORK/govscore" ./cmd/govscore)
proj="$WORK/p${subjects}x${leaves}"
rm -rf "$proj"
"$WORK/govscore" gen "$proj" --subjects "$subjects" --leaves "$leaves" >/dev/null

# measure NAME CMD...: runs CMD under /usr/bin/time -v; prints "NAME wall cpu rss_kb".
measure() {
	local name=$1
	shift
	local log="$WORK/time.$name.log"
	/usr/bin/time -v -o "$log" "$@" >/dev/null 2>"$WORK/stderr.$name.log" || {
		cat "$WORK/stderr.$name.log" >&2
		exit 1
	}
	awk -v name="$name" -F': ' '
		/User time/ {u=$2} /System time/ {s=$2} /Maximum resident/ {m=$2}
		/Elapsed \(wall clock\)/ {n=split($2, p, ":"); w=0; for (i=1;i<=n;i++) w=w*60+p[i]}
		END {printf "%s %.2f %.2f %d\n", name, w, u+s, m}' "$log"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $subjects subjects x $leaves leaves, $pairs pairs"
echo "# run wall_s cpu_s peak_rss_kb"
results="$WORK/results.txt"
: >"$results"
for i in $(seq "$pairs"); do
	rm -rf "$proj/out" "$proj/pd"
	measure "govscore_$i" "$WORK/govscore" run "$proj" -o "$proj/out" -q --format csv,json | tee -a "$results"
	measure "pandas_$i" "$python" "$here/pandas/score.py" "$proj" "$proj/pd" | tee -a "$results"
	echo "# load after pair $i: $(cut -d' ' -f1-3 /proc/loadavg)"
	if [[ $i == 1 ]]; then
		for d in out pd; do
			(cd "$proj/$d" && stat -c '%s %n' results.csv indicators.csv results.json) |
				awk -v who="$([[ $d == out ]] && echo govscore || echo pandas)" \
					'{printf "%s %s %.1f MB", (NR == 1 ? "# " who " wrote:" : ","), $2, $1 / 1e6; t += $1} END {printf ", total %.1f MB\n", t / 1e6}'
		done
		"$python" "$here/pandas/compare.py" "$proj/out" "$proj/pd" | sed 's/^/# /'
	else
		"$python" "$here/pandas/compare.py" "$proj/out" "$proj/pd" --csv-only | sed 's/^/# /'
	fi
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
	function median(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	/^govscore_/ {g++; gw[g]=$2; gc[g]=$3; gm[g]=$4}
	/^pandas_/ {p++; pw[p]=$2; pc[p]=$3; pm[p]=$4}
	END {
		for (i = 1; i <= g; i++)
			printf "pair %d: pandas/govscore CPU %.2fx, wall %.2fx; govscore/pandas peak RSS %.2f\n", i, pc[i]/gc[i], pw[i]/gw[i], gm[i]/pm[i]
		mgc = median(gc, g); mpc = median(pc, p); mgw = median(gw, g); mpw = median(pw, p); mgm = median(gm, g); mpm = median(pm, p)
		printf "median: govscore %.2f s wall, %.2f s CPU, %d MB; pandas %.2f s wall, %.2f s CPU, %d MB\n", mgw, mgc, mgm/1024, mpw, mpc, mpm/1024
		printf "median ratios: govscore is %.2fx faster in CPU (%.2fx in wall), at %.2fx the peak memory of pandas\n", mpc/mgc, mpw/mgw, mgm/mpm
		printf "issue 13 target (govscore >= 5x faster in wall time, <= 0.5x the peak memory): wall %s (%.2fx), memory %s (%.2fx)\n", (mpw/mgw >= 5 ? "met" : "NOT met"), mpw/mgw, (mgm/mpm <= 0.5 ? "met" : "NOT met"), mgm/mpm
	}' "$results"

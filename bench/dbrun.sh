#!/usr/bin/env bash
# Issue 13's `run --db` measurement, repeatable on one database: the batch rows of earlier runs are
# removed (with the guard triggers off, so only on a benchmark database), the tables vacuumed and
# a checkpoint taken, then `govscore run --db` runs quiet with `--format csv,json` under
# /usr/bin/time while the CPU time of every PostgreSQL process is sampled twice a second.
#
#   bench/dbrun.sh BIN DBNAME PROJECT [extra run flags]
#
# BIN is a govscore binary, DBNAME a database on 127.0.0.1 (user postgres, trust auth) that BIN's
# `db migrate` and `db import PROJECT` filled. Prints the run's "wall s user u sys s peak KB" and
# the server's CPU seconds (the sum over the backends of utime+stime gained during the run).
set -euo pipefail
bin=$1 db=$2 proj=$3
shift 3
url="postgres://postgres@127.0.0.1/$db?sslmode=disable"
q() { psql -h 127.0.0.1 -U postgres -d "$db" -q -At -c "$1"; }
tables="batch_outputs batch_files batch_warnings batch_subjects batches"
for t in $tables; do q "ALTER TABLE $t DISABLE TRIGGER USER"; done
for t in $tables; do q "DELETE FROM $t"; done
for t in $tables; do q "ALTER TABLE $t ENABLE TRIGGER USER"; done
q "VACUUM batch_outputs, batch_files, batch_warnings, batch_subjects, batches"
q "CHECKPOINT"
samples=$(mktemp)
trap 'rm -f "$samples"' EXIT
(while :; do
	for p in $(pgrep -f '^postgres' || true); do
		v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || true)
		[[ -n $v ]] && echo "$p $v"
	done
	sleep 0.5
done) >"$samples" &
poller=$!
SOURCE_DATE_EPOCH=1700000000 /usr/bin/time -f "%e s %U u %S s %M KB" "$bin" run --db "$url" "$proj" --format csv,json -q "$@"
kill "$poller"
awk '{ if ($2 > m[$1]) m[$1] = $2; if (!($1 in f)) f[$1] = $2 } END { s = 0; for (p in m) s += m[p] - f[p]; printf "server CPU-s %.1f\n", s / 100 }' "$samples"

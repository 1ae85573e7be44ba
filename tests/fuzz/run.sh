#!/usr/bin/env bash
# Build the libFuzzer targets (clang, build-fuzz) and run each for
# SECONDS_PER_TARGET (default 20), as many at once as there are cores.
# Each target starts from a scratch copy of its committed corpus (and the
# fixtures that fit it): the committed corpus is never written. Prints the
# executions per target; exits 1 when any target found a crash, a leak, a
# timeout or a failed invariant (the input is kept under the scratch
# directory, which is then left in place; see the messages).
#
#     tests/fuzz/run.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
secs=${1:-20}
jobs=$(nproc)

echo "== fuzz: build (clang, build-fuzz)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DREVMON_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzz >/dev/null

bin=build-fuzz/tests/fuzz
scratch=$(mktemp -d "${TMPDIR:-/tmp}/revmon-fuzz.XXXXXX")

# target  max_len  dictionary  extra seed files (fixtures)
targets=(
	"json_scan 16384 json.dict tests/fixtures/records/*.json"
	"records 16384 json.dict tests/fixtures/records/*.json tests/fixtures/nagios/*.ndjson"
	"json_diff 16384 json.dict tests/fixtures/records/*.json tests/fixtures/nagios/*.ndjson"
	"aadsts_text 2048 - -"
	"timeparse 64 - -"
	"csv 4096 csv.dict -"
	"stream 16384 json.dict tests/fixtures/shapes/* tests/fixtures/records/*.json"
	"conf 4096 conf.dict snmp/revmon-agentx.conf.example"
	"state 65536 - -"
	"nagios_range 96 - -"
	"extra_opts 2048 conf.dict -"
	"agent_conf 4096 conf.dict snmp/revmon-agentx.conf.example"
	"claims 4096 - -"
	"collectd_map 256 conf.dict -"
	"endpoint_errors 8192 json.dict -"
)

run_one() {
	local name=$1 max_len=$2 dict=$3
	shift 3
	local dir=$scratch/$name
	local args=()

	mkdir -p "$dir/corpus" "$dir/artifacts"
	cp tests/fuzz/corpus/"$name"/* "$dir/corpus/" 2>/dev/null || true
	# past findings first: a regression fails here too
	cp tests/fixtures/fuzz/"$name"/* "$dir/corpus/" 2>/dev/null || true
	for f in "$@"; do
		[ "$f" = - ] || cp $f "$dir/corpus/"
	done
	[ "$dict" = - ] || args+=(-dict="$root/tests/fuzz/$dict")
	# leaks are findings too; a 10 s input is a hang
	if ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin/fuzz_$name" "${args[@]}" -max_len="$max_len" -max_total_time="$secs" \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$dir/artifacts/" "$dir/corpus" >"$dir/log" 2>&1; then
		echo ok >"$dir/status"
	else
		echo fail >"$dir/status"
	fi
}

echo "== fuzz: ${#targets[@]} targets, ${secs}s each, $jobs at a time"
for t in "${targets[@]}"; do
	# shellcheck disable=SC2086 # the fixture globs expand here
	run_one $t &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
done
wait

failed=0
printf '%-14s %12s %10s %8s  %s\n' target execs exec/s corpus result
for t in "${targets[@]}"; do
	name=${t%% *}
	dir=$scratch/$name
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
	files=$(find "$dir/corpus" -type f | wc -l)
	status=$(cat "$dir/status" 2>/dev/null || echo fail)
	printf '%-14s %12s %10s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "$files" "$status"
	if [ "$status" != ok ]; then
		failed=1
		echo "---- fuzz_$name log (tail) ----"
		tail -40 "$dir/log"
		ls "$dir/artifacts"/* 2>/dev/null | sed 's/^/artifact: /' || true
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "fuzz: FAILED; inputs and logs kept in $scratch"
	echo "      (a crash becomes tests/fixtures/fuzz/<target>/ + a regression test)"
	exit 1
fi
rm -rf "$scratch"
echo "fuzz: all targets ran clean"

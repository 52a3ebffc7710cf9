#!/usr/bin/env bash
# tests/fuzz/run.sh BUILDDIR SRCDIR [SECONDS] — runs every libFuzzer target
# of a --enable-fuzzers build (BUILDDIR/tests/fuzz/fuzz_*) for SECONDS each
# (default 20), starting from a copy of its corpus in
# SRCDIR/tests/fuzz/corpus/<parser>/ (the checked-in corpus is never
# written). One TAP result per target: a crash, a sanitizer report, a
# timeout or a leak is "not ok" with the reproducer's path. Ends with
# "N passed, N failed" and appends "passed failed" to $PARLEY_TOTALS.
set -u
builddir=${1:?usage: run.sh BUILDDIR SRCDIR [SECONDS]}
srcdir=${2:?usage: run.sh BUILDDIR SRCDIR [SECONDS]}
seconds=${3:-20}
logdir="$builddir/tests/logs/fuzz"
mkdir -p "$logdir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=()
for t in "$builddir"/tests/fuzz/fuzz_*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	case "$t" in *.o) continue;; esac
	targets+=("$t")
done
# fuzz_one N PATH: fuzzes one target and writes its TAP line to
# $work/N.tap. The wall-clock bound is twice the fuzzing time plus
# start-up slack.
fuzz_one() {
	local n=$1 t=$2 name parser corpus log rc runs artifact
	name=$(basename "$t"); parser=${name#fuzz_}
	corpus="$work/$parser"; log="$logdir/$name.log"
	mkdir -p "$corpus" "$logdir/$name"
	[ -d "$srcdir/tests/fuzz/corpus/$parser" ] && cp -r "$srcdir/tests/fuzz/corpus/$parser/." "$corpus/"
	( cd "$builddir" && PARLEY_BUILDDIR="$builddir" PARLEY_SRCDIR="$srcdir" \
	  timeout $((seconds * 2 + 60)) "$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 \
	  -max_len=4096 -print_final_stats=1 -artifact_prefix="$logdir/$name/" "$corpus" ) >"$log" 2>&1
	rc=$?
	runs=$(grep -oE '^stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name: ${runs:-?} inputs in ${seconds}s, no finding" >"$work/$n.tap"
	else
		artifact=$(ls -t "$logdir/$name" 2>/dev/null | head -1)
		echo "not ok $n - $name: exit $rc (log: $log${artifact:+, reproducer: $logdir/$name/$artifact})" >"$work/$n.tap"
	fi
}

# Targets are independent processes: one per core at a time (PARLEY_TEST_JOBS).
jobs=${PARLEY_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
echo "1..${#targets[@]}"
passed=0 failed=0 n=0 running=0
for t in "${targets[@]}"; do
	n=$((n + 1))
	fuzz_one "$n" "$t" &
	if [ $((++running)) -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait
for n in $(seq 1 "${#targets[@]}"); do
	line=$(cat "$work/$n.tap" 2>/dev/null || echo "not ok $n - no result")
	echo "$line"
	case "$line" in ok*) passed=$((passed + 1)) ;; *) failed=$((failed + 1)) ;; esac
done
echo "$passed passed, $failed failed"
[ -n "${PARLEY_TOTALS:-}" ] && echo "$passed $failed" >>"$PARLEY_TOTALS"
[ "$failed" -eq 0 ] && [ "${#targets[@]}" -gt 0 ]

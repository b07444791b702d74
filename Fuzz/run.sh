#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz-build` (mk/fuzz.mk).
#   Fuzz/run.sh SECONDS MODE TARGET...
# MODE fuzz:  grows the git-ignored working corpus Fuzz/.work/corpus/TARGET from the committed seeds
#             in Fuzz/Corpus/TARGET and writes a summary (exec/s, corpus size, coverage) to
#             Benchmarks/results/fuzz-TARGET.log, the full libFuzzer output beside it.
# MODE smoke: a fresh corpus from the seeds only, output kept only on failure.
# Any crash, sanitizer report, timeout (a unit over FUZZ_UNIT_TIMEOUT s) or allocation over
# FUZZ_RSS_MB stops the target, leaves the input in Fuzz/.work/crashes/TARGET/ and fails the script.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=$1 mode=$2; shift 2
bin=${FUZZ_BIN:-Fuzz/.build/debug}
unit_timeout=${FUZZ_UNIT_TIMEOUT:-25}
rss_mb=${FUZZ_RSS_MB:-2048}
# Leak checking is off: LeakSanitizer reports objects Swift keeps in globals and enum payloads
# with tag bits (see mk/formats.mk); use-after-free, overflows and double frees still stop the run.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=0}
mkdir -p Benchmarks/results
failed=()
for target in "$@"; do
    corpus=Fuzz/.work/$mode/$target crashes=Fuzz/.work/crashes/$target
    [ "$mode" = smoke ] && rm -rf "$corpus"
    mkdir -p "$corpus" "$crashes"
    dict=()
    case $target in
        FuzzInferRequest) dict=(-dict=Fuzz/Dictionaries/infer.dict) ;;
        FuzzPipeline) dict=(-dict=Fuzz/Dictionaries/pipeline.dict) ;;
        FuzzCSV) dict=(-dict=Fuzz/Dictionaries/csv.dict) ;;
        FuzzSafetensors) dict=(-dict=Fuzz/Dictionaries/safetensors.dict) ;;
        FuzzGGUF) dict=(-dict=Fuzz/Dictionaries/gguf.dict) ;;
    esac
    if [ "$mode" = fuzz ]; then log=Benchmarks/results/fuzz-$target.output; else log=$(mktemp); fi
    echo "== $target: $seconds s ($mode), corpus $corpus + Fuzz/Corpus/$target"
    "$bin/$target" -max_total_time="$seconds" -timeout="$unit_timeout" -rss_limit_mb="$rss_mb" -detect_leaks=0 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "$corpus" "Fuzz/Corpus/$target" >"$log" 2>&1
    status=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1)
    summary="$target $(date -u +%FT%TZ) seconds=$seconds status=$status"
    summary+=" execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    summary+=" exec/s=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    summary+=" corpus=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")"
    summary+=" cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line") peak_rss_mb=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")"
    echo "$summary"
    [ "$mode" = fuzz ] && echo "$summary" >>"Benchmarks/results/fuzz-$target.log"
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        echo "!! $target failed (exit $status); the input is in $crashes/, the end of its output:"
        tail -40 "$log"
        echo "   reproduce: ASAN_OPTIONS=detect_leaks=0 $bin/$target $crashes/<file>"
    fi
    [ "$mode" = smoke ] && rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found a problem in: ${failed[*]}"
    exit 1
fi

#!/bin/sh
# report: combine the fan-out's per-item outputs with count's and fetch's outputs.
#
# Inputs  $MLP_INPUT_UPPER    JSON list of strings, one per fan-out item: ["APPLE","BANANA","CHERRY"]
#         $MLP_INPUT_LENGTHS  JSON list of ints, in the same order: [5,6,6]
#         $MLP_INPUT_LINES, $MLP_INPUT_WORDS   ints, as text
#         $MLP_INPUT_FRUITS   JSON list (fetch's json output)
# Outputs report              file: a short text report
#         longest             string: the longest upper-cased item
set -eu

# JSON lists of plain words or numbers to one value per line, with sed and tr alone.
# (Enough here; for JSON with commas or quotes inside strings, use jq or python.)
json_lines() {
    printf '%s\n' "$1" | tr -d '[]"' | tr ',' '\n' | sed 's/^ *//; s/ *$//; /^$/d'
}

# Scratch files go in a temp folder: the working directory is the user's project.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mlp-report.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
json_lines "$MLP_INPUT_UPPER" > "$scratch/upper"
json_lines "$MLP_INPUT_LENGTHS" > "$scratch/lengths"

# The two lists are in item order, so line N of each belongs to item N.
longest=$(paste -d ' ' "$scratch/lengths" "$scratch/upper" | sort -k1,1nr -k2 | sed -n '1s/^[0-9]* //p')

{
    echo "notes: $MLP_INPUT_LINES lines, $MLP_INPUT_WORDS words"
    echo "fetched: $(json_lines "$MLP_INPUT_FRUITS" | paste -s -d ' ' -)"
    echo "shouted:"
    paste -d ' ' "$scratch/upper" "$scratch/lengths" | while read -r word length; do
        echo "  $word ($length letters)"
    done
    echo "longest: $longest"
} > "$MLP_OUTPUTS/report"

printf '%s' "$longest" > "$MLP_OUTPUTS/longest"
cat "$MLP_OUTPUTS/report"

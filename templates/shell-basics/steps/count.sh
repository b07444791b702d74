#!/bin/sh
# count: count the lines and words of the file given as input `file`.
#
# Input  $MLP_INPUT_FILE  path of the artifact (a read-only file in mlp's store)
# Output lines, words     ints, written as plain text to $MLP_OUTPUTS/<name>
# Metrics                 one JSON line per value appended to $MLP_METRICS
set -eu

file=$MLP_INPUT_FILE

# `$(( ))` drops the padding some wc implementations print before the number.
lines=$(( $(wc -l < "$file") ))
words=$(( $(wc -w < "$file") ))

echo "$lines" > "$MLP_OUTPUTS/lines"
echo "$words" > "$MLP_OUTPUTS/words"

# Metric points are JSON lines; mlp records them with the run (`mlp show RUN`).
printf '{"key": "lines", "value": %d}\n' "$lines" >> "$MLP_METRICS"
printf '{"key": "words", "value": %d}\n' "$words" >> "$MLP_METRICS"

echo "count: $lines lines, $words words"

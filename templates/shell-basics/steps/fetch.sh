#!/bin/sh
# fetch: pretend to download a list of fruits, failing the first attempt when `flaky` is true.
#
# Input  $MLP_INPUT_FLAKY  "true" or "false" (bools arrive as text)
#        $MLP_ATTEMPT      1 on the first try, 2 on the first retry, ...
# Output fruits            json, written as JSON text
set -eu

if [ "$MLP_INPUT_FLAKY" = "true" ] && [ "$MLP_ATTEMPT" -eq 1 ]; then
    # A non-zero exit fails this attempt; `retries:` in mlp.yaml gives it another.
    echo "fetch: attempt $MLP_ATTEMPT: simulated network error" >&2
    exit 1
fi

echo '["apple", "banana", "cherry"]' > "$MLP_OUTPUTS/fruits"
echo "fetch: attempt $MLP_ATTEMPT succeeded"

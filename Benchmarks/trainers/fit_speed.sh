#!/usr/bin/env bash
# Builds Benchmarks/.build/fit-speed: FitSpeed/main.swift with MLPTrain's model sources, -O.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$(dirname "$HERE")")"
SRC="$REPO/Sources/MLPTrain"
mkdir -p "$REPO/Benchmarks/.build"
swiftc -O -module-name FitSpeed -o "${OUT:-$REPO/Benchmarks/.build/fit-speed}" \
  "$HERE/FitSpeed/main.swift" \
  "$SRC/Models/NeuralNetwork.swift" "$SRC/Models/NeuralNetwork+fit.swift" "$SRC/Models/NeuralNetworkWorkspace.swift" \
  "$SRC/Models/DenseKernels.swift" "$SRC/Models/SoftmaxRegression.swift" "$SRC/Models/LinearRegression.swift" \
  "$SRC/Models/PredictionTask.swift" "$SRC/Models/Standardizer+validate.swift" "$SRC/Optimizers/LBFGS.swift" \
  "$SRC/Metrics/ClassificationMetrics.swift" "$SRC/Support/SeededGenerator.swift"
echo "${OUT:-$REPO/Benchmarks/.build/fit-speed}"

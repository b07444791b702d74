#!/usr/bin/env bash
# Builds Benchmarks/.build/fit-speed: FitSpeed/main.swift with MLPTrain's model sources, -O.
# Those sources call OpenBLAS through CKernels' `ck_sgemm` / `ck_dgemm` (Sources/CKernels/blas.c):
# blas.c is compiled on its own and CKernels' header is imported through a small module map.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$(dirname "$HERE")")"
SRC="$REPO/Sources/MLPTrain"
BUILD="$REPO/Benchmarks/.build/fit-speed-ckernels"
mkdir -p "$BUILD"
cat > "$BUILD/module.modulemap" <<MAP
module CKernels {
    header "$REPO/Sources/CKernels/include/ckernels.h"
    export *
}
MAP
cc -O2 -c -I "$REPO/Sources/CKernels/include" -o "$BUILD/blas.o" "$REPO/Sources/CKernels/blas.c"
swiftc -O -module-name FitSpeed -o "${OUT:-$REPO/Benchmarks/.build/fit-speed}" \
  -I "$BUILD" "$BUILD/blas.o" -lopenblas \
  "$HERE/FitSpeed/main.swift" \
  "$SRC/Models/NeuralNetwork.swift" "$SRC/Models/NeuralNetwork+fit.swift" "$SRC/Models/NeuralNetworkWorkspace.swift" \
  "$SRC/Models/DenseKernels.swift" "$SRC/Models/SoftmaxRegression.swift" "$SRC/Models/SoftmaxObjective.swift" \
  "$SRC/Models/LinearRegression.swift" \
  "$SRC/Models/PredictionTask.swift" "$SRC/Models/Standardizer+validate.swift" "$SRC/Optimizers/LBFGS.swift" \
  "$SRC/Metrics/ClassificationMetrics.swift" "$SRC/Support/SeededGenerator.swift"
echo "${OUT:-$REPO/Benchmarks/.build/fit-speed}"

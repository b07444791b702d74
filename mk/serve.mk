# mlp serve (Sources/MLPServe). Its unit tests run in `make test-unit` (MLPServeTests).
#   make test-serve   — the Open Inference Protocol conformance test: NVIDIA's tritonclient[http]
#                       against the real `mlp serve` on loopback (a tabular model `mlp run` trains,
#                       and all-MiniLM-L6-v2 when scripts/fetch-model.sh has put it in .cache/models;
#                       its tests are reported as skipped, with the reason, when it is absent)
#   make bench-serve  — wrk on loopback: `mlp serve` against FastAPI + ONNX Runtime (Benchmarks/serve)
#   make soak-serve   — 10 minutes (DURATION=600) of valid and hostile requests, idle and slow
#                       connections up to the cap against the release `mlp serve`; fails on a crash,
#                       a wrong answer, or RSS / open fds growing more than 10 % after warm-up
.PHONY: test-serve bench-serve soak-serve
EXTRA_TESTS += test-serve

test-serve: build
	MLP=$(CURDIR)/.build/debug/mlp python3 -m pytest -q -rs tests/serve

bench-serve: release
	MLP=$(CURDIR)/.build/release/mlp bash Benchmarks/serve/run.sh

soak-serve: release
	MLP=$(CURDIR)/.build/release/mlp bash Benchmarks/serve/soak.sh

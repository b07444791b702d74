# Built-in trainers' benchmark (Benchmarks/trainers). The main Makefile includes mk/*.mk.
#   make bench-trainers       — trainer/mlp and trainer/linear through a release `mlp` vs scikit-learn
#   make bench-trainers-fit   — the same fits through fit-speed (MLPTrain's model sources at -O), no full release build
TRAINERS_VENV := Benchmarks/.venv-trainers

.PHONY: bench-trainers bench-trainers-fit trainers-venv
trainers-venv:
	@test -x $(TRAINERS_VENV)/bin/python || (python3 -m venv $(TRAINERS_VENV) && $(TRAINERS_VENV)/bin/pip install -q scikit-learn)

bench-trainers: release trainers-venv
	$(TRAINERS_VENV)/bin/python Benchmarks/trainers/bench.py --mlp $(CURDIR)/.build/release/mlp --out Benchmarks/results/trainers.json

bench-trainers-fit: trainers-venv
	bash Benchmarks/trainers/fit_speed.sh
	$(TRAINERS_VENV)/bin/python Benchmarks/trainers/bench.py --fit-binary $(CURDIR)/Benchmarks/.build/fit-speed --out Benchmarks/results/trainers-fit.json

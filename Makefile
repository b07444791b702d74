# make demo  — installs what is missing, builds, and runs the main job end to end
# make test  — unit tests, then end-to-end tests of the built `mlp` binary
# make install [PREFIX=~/.local] — a release build as PREFIX/bin/mlp
SWIFT ?= swift
export PATH := /opt/swift/usr/bin:$(PATH)

# Other makefiles (mk/*.mk) add their test targets here.
EXTRA_TESTS :=

PREFIX ?= $(HOME)/.local

.PHONY: all deps build release install uninstall demo test test-unit test-e2e bench-fanout clean
all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

install: release
	bash scripts/install.sh "$(PREFIX)"

uninstall:
	rm -rf "$(PREFIX)/lib/mlp"
	rm -f "$(PREFIX)/bin/mlp"

demo: build
	bash scripts/demo.sh

test-unit: build
	$(SWIFT) test

test-e2e: build
	MLP=$(CURDIR)/.build/debug/mlp python3 -m pytest -q tests/e2e

bench-fanout: release
	MLP=$(CURDIR)/.build/release/mlp bash Benchmarks/fanout/run.sh

clean:
	rm -rf .build demo

-include mk/*.mk

test: test-unit test-e2e $(EXTRA_TESTS)

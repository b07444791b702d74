# The TUI's checks. The main Makefile includes mk/*.mk; `make test` runs test-tui through EXTRA_TESTS.
#   make test-tui  — the real `mlp tui` driven in tmux (tests/tui_e2e.sh), against the debug build
#   make tui-perf  — time to first paint and per-key redraw with 10,000 runs, release build
EXTRA_TESTS += test-tui

.PHONY: test-tui tui-perf
test-tui: build
	bash tests/tui_e2e.sh $(CURDIR)/.build/debug/mlp

tui-perf: release
	bash tests/tui_perf.sh $(CURDIR)/.build/release/mlp 10000

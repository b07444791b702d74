# `make test-tui`: the TUI's end-to-end test in tmux, against the debug build.
.PHONY: test-tui
test-tui:
	swift build
	tests/tui_e2e.sh .build/debug/mlp

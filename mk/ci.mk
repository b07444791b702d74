# CI recipe (docs/ci.md). The JUnit, thresholds and report tests run in `make test-unit`
# (CIReportTests, MetricThresholdsTests) and `make test-e2e` (tests/e2e/test_ci_reports.py).
#   make test-ci  — runs the commands of examples/ci/github-actions.yml and examples/ci/gitlab-ci.yml,
#                   step by step, in a project made from the tabular-classification template
.PHONY: test-ci
EXTRA_TESTS += test-ci

test-ci: build
	MLP=$(CURDIR)/.build/debug/mlp bash tests/ci/recipe.sh

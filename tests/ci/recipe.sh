#!/usr/bin/env bash
# The CI recipe of docs/ci.md, run here step by step: the commands are read out of
# examples/ci/github-actions.yml (the steps validate, run, report, summary) and examples/ci/gitlab-ci.yml
# (the `mlp` job's script, then its after_script), and run in a project made from the
# tabular-classification template, as the CI systems would run them (GitHub: each step with `bash -e`,
# later `if: always()` steps after a failed one; GitLab: the script with `set -e`, after_script always).
#
#   1. GitHub, first run (no champion yet): the run passes, junit.xml and report.md are written, the
#      report says there is no baseline, the job summary holds it.
#   2. The champion is set; a "pull request" changes l2: the report shows deltas against the champion.
#   3. GitLab, with a threshold the model cannot meet: the script fails (the gate rejects the run), the
#      after_script still writes the report, and the JUnit has the failing gate and threshold.
#
# Usage: MLP=.build/debug/mlp bash tests/ci/recipe.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
mlp="${MLP:-$repo/.build/debug/mlp}"
[ -x "$mlp" ] || { echo "recipe.sh: build mlp first (looked for $mlp)" >&2; exit 1; }
work="$(mktemp -d /tmp/mlp-ci-recipe-XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$mlp" "$work/bin/mlp"
export PATH="$work/bin:$PATH"
# Nothing of the person running the tests: no shared server, no profile.
unset MLP_SERVER MLP_TOKEN MLP_SERVER_PROJECT MLP_PROFILE
export XDG_CONFIG_HOME="$work/config" XDG_CACHE_HOME="$work/cache"

fail() { echo "recipe.sh: FAIL: $*" >&2; exit 1; }
expect() { grep -qF -- "$2" "$1" || { echo "---- $1" >&2; cat "$1" >&2; fail "$1 lacks: $2"; }; }

# extract FILE KIND OUT: writes the commands, one file per step (GitHub) or per script section (GitLab).
extract() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, yaml
path, kind, out = sys.argv[1:]
document = yaml.safe_load(open(path))
if kind == "github":
    steps = document["jobs"]["pipeline"]["steps"]
    wanted = ["validate", "run", "report", "summary"]
    ids = [step.get("id") for step in steps]
    assert all(name in ids for name in wanted), f"{path}: steps {ids} lack one of {wanted}"
    for step in steps:
        if step.get("id") in wanted:
            assert "run" in step, f"{path}: step {step['id']} has no run:"
            assert step.get("id") == "validate" or step.get("id") == "run" or step.get("if") == "always()", \
                f"{path}: step {step['id']} must run after a failure (if: always())"
            open(f"{out}/github-{wanted.index(step['id'])}-{step['id']}.sh", "w").write(step["run"])
else:
    job = document["mlp"]
    assert job["artifacts"]["reports"]["junit"] == "reports/junit.xml" and job["artifacts"]["when"] == "always"
    open(f"{out}/gitlab-1-script.sh", "w").write("\n".join(job["script"]) + "\n")
    open(f"{out}/gitlab-2-after_script.sh", "w").write("\n".join(job["after_script"]) + "\n")
PY
}

# github PROJECT: runs the extracted steps in order; a failed step fails the job, but the steps
# marked `if: always()` still run. Prints the job's status (0 or the first failure's).
github() {
  local project="$1" status=0 script
  export GITHUB_STEP_SUMMARY="$project/.summary.md"
  : > "$GITHUB_STEP_SUMMARY"
  for script in "$work"/steps/github-*.sh; do
    case "$script" in *-validate.sh|*-run.sh) [ "$status" -eq 0 ] || continue ;; esac
    (cd "$project" && timeout 300 bash -e "$script") || { local code=$?; [ "$status" -ne 0 ] || status=$code; }
  done
  return "$status"
}

mkdir -p "$work/steps"
extract "$repo/examples/ci/github-actions.yml" github "$work/steps"
extract "$repo/examples/ci/gitlab-ci.yml" gitlab "$work/steps"

cd "$work"
mlp init proj --template tabular-classification >/dev/null
project="$work/proj"

echo "recipe.sh: 1. GitHub Actions, first run (no champion yet)"
github "$project" || fail "the first run's job failed ($?)"
expect "$project/reports/junit.xml" '<testsuite name="proj" tests="7" failures="0" errors="0" skipped="0"'
expect "$project/reports/report.md" "no baseline: breast-cancer-logreg@champion does not exist yet"
expect "$project/reports/report.md" "| **auc** | 0.9956 |"
expect "$project/.summary.md" "## ✅ mlp run"

echo "recipe.sh: 2. the champion is set; a pull request changes l2"
mlp models alias breast-cancer-logreg@champion 1 --project "$project" >/dev/null
sed -i 's/l2: {type: float, default: 0.01,/l2: {type: float, default: 1,/' "$project/mlp.yaml"
grep -q 'default: 1, description: "L2' "$project/mlp.yaml" || fail "could not change l2 in mlp.yaml"
github "$project" || fail "the pull request's job failed ($?)"
expect "$project/reports/report.md" "Compared with **breast-cancer-logreg:1 (breast-cancer-logreg@champion), made by run"
expect "$project/reports/report.md" "| **auc** | 0.997 | 0.9956 | ▲ +0.001341 | ▲ +0.13% |"
expect "$project/reports/report.md" "| **l2** (changed) | \`1\` | \`0.01\` |"
expect "$project/reports/report.md" "![auc by run](report-auc.svg)"
[ -s "$project/reports/report-auc.svg" ] || fail "no chart beside the report"
expect "$project/.summary.md" "| **auc** | 0.997 | 0.9956 |"

echo "recipe.sh: 3. GitLab CI, a threshold the model cannot meet"
rm -rf "$project/reports"
sed -i 's/      auto_approve_if: "accuracy >= 0.9 and auc >= 0.95"/&\n      thresholds: {auc: {min: 0.999, min_relative_change: 0, against: "@champion"}}/' "$project/mlp.yaml"
expect "$project/mlp.yaml" "thresholds: {auc: {min: 0.999"
status=0
(cd "$project" && timeout 300 bash -e -o pipefail "$work/steps/gitlab-1-script.sh") || status=$?
[ "$status" -eq 3 ] || fail "the GitLab script exited $status, not 3 (rejected at the gate)"
(cd "$project" && timeout 300 bash -e -o pipefail "$work/steps/gitlab-2-after_script.sh") || fail "the after_script failed"
expect "$project/reports/junit.xml" 'failures="2"'
expect "$project/reports/junit.xml" '<testcase classname="proj.gate" name="threshold: auc min 0.999"'
expect "$project/reports/junit.xml" 'is below min 0.999'
expect "$project/reports/report.md" "## ❌ mlp run"
expect "$project/reports/report.md" "❌ \`auc min 0.999\`"
echo "recipe.sh: ok"

"""Issue 13, pipeline definition and processes: the real binary against hostile or careless pipelines."""
import os
import time


def test_a_param_cannot_inject_shell_code(project):
    project.write("mlp.yaml", """name: t
params: {p: {type: string, default: hi}}
steps:
  a: {uses: shell, with: {run: 'echo ${{ params.p }} > said.txt'}}
""")
    validated = project.mlp("validate")
    assert "warning: '${{ params.p }}' in 'run' is no longer spliced" in validated.stderr
    assert '"$MLP_INPUT_P"' in validated.stderr
    project.mlp("run", "--param", "p=a; touch pwned")
    assert not (project.root / "pwned").exists()
    assert (project.root / "said.txt").read_text() == "a; touch pwned\n"


def test_a_reference_in_single_quotes_is_a_located_error(project):
    project.write("mlp.yaml", "name: t\nparams: {p: x}\nsteps:\n  a: {uses: shell, with: {run: \"echo '${{ params.p }}'\"}}\n")
    result = project.mlp("validate", check=False)
    assert result.returncode == 1
    assert "mlp.yaml:4:39: error: '${{ params.p }}' in 'run' is inside single quotes" in result.stderr


def test_names_bounds_and_keys_are_checked_where_written(project):
    project.write("mlp.yaml", """name: t
steps:
  a: {uses: shell, with: {run: "true"}, outputs: {"../../victim.txt": file, "": file}}
  b: {uses: noop, foreach: {range: 100000000000}}
  c: {uses: shell, with: {run: "false"}, timeout: 99999999999999999999h, retries: {max: 1000000000, backoff: 0s}}
  ? [d, e]
  : {uses: noop}
""")
    result = project.mlp("validate", check=False, timeout=30)
    assert result.returncode == 1, result.stderr
    for expected in ["mlp.yaml:3:51: error: output name '../../victim.txt' is not valid",
                     "error: output name is empty",
                     "mlp.yaml:4:36: error: foreach range 100000000000 is more than",
                     "error: timeout '99999999999999999999h' is longer than",
                     "error: max must be a whole number from 0 to 100",
                     "mlp.yaml:6:5: error: a step's name must be a plain string, not a list"]:
        assert expected in result.stderr, result.stderr
    assert "NSCocoaErrorDomain" not in result.stderr


def test_an_alias_bomb_is_refused_quickly(project):
    lines = ["name: t", "x0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    lines += ["steps:", "  a: {uses: noop, with: {x: *a9}}"]
    project.write("mlp.yaml", "\n".join(lines) + "\n")
    started = time.monotonic()
    result = project.mlp("validate", check=False, timeout=30)
    assert time.monotonic() - started < 20
    assert result.returncode == 1 and "expands to more than 1000000 YAML nodes" in result.stderr


def test_a_non_utf8_pipeline_names_the_byte(project):
    (project.root / "mlp.yaml").write_bytes(b'name: t\nsteps:\n  a: {uses: noop, description: "caf\xe9"}\n')
    result = project.mlp("validate", check=False)
    assert result.returncode == 1
    assert "mlp.yaml:3:36: error: the file is not UTF-8 text: byte 50 (0xE9)" in result.stderr
    assert "Usage" not in result.stderr and "USAGE" not in result.stderr


def test_exit_255_is_an_exit_status_and_background_children_are_stopped(project):
    project.write("mlp.yaml", """name: t
steps:
  bg: {uses: shell, with: {run: 'sleep 300 & echo $! > bg.pid'}}
  fail: {uses: shell, needs: [bg], with: {run: "exit 255"}}
""")
    result = project.mlp("run", check=False)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "exited with status 255" in output and "signal 127" not in output
    pid = int((project.root / "bg.pid").read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            stat = open(f"/proc/{pid}/stat").read()
            if stat[stat.rindex(")") + 2] == "Z":
                break
        except (ProcessLookupError, FileNotFoundError):
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the background child {pid} outlived its step")


def test_resume_says_which_definition_it_runs(project):
    project.write("mlp.yaml", "name: t\nsteps:\n  a: {uses: shell, with: {run: \"exit 1\"}}\n")
    project.mlp("run", check=False)
    project.write("mlp.yaml", "name: t\nsteps:\n  a: {uses: shell, with: {run: \"true\"}}\n")
    result = project.mlp("resume", "latest", check=False)
    assert "with the pipeline recorded when it started" in result.stderr
    assert "has changed since" in result.stderr and "`mlp run`" in result.stderr


def test_a_waiting_gate_says_which_clause_failed(project):
    project.write("mlp.yaml", """name: t
steps:
  m: {uses: shell, with: {run: 'echo "{\\"auc\\": 0.85, \\"loss\\": 0.2}" > $MLP_OUTPUTS/m'}, outputs: {m: metrics}}
  gate: {uses: approval, with: {show: "${{ steps.m.outputs.m }}", auto_approve_if: "auc >= 0.9 and loss < 0.3"}, timeout: 1s}
""")
    result = project.mlp("run", check=False, timeout=60)
    assert result.returncode == 3  # rejected when the gate's timeout passed
    assert "auc >= 0.9 (auc = 0.85) failed" in result.stdout + result.stderr

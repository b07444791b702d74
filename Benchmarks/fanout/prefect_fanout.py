#!/usr/bin/env python3
"""The 1,000-task fan-out in Prefect 3: a @flow that maps a no-op @task over n items.

Run inside the Prefect venv (run.sh creates it), once per repetition, with PREFECT_HOME
pointing at a fresh temp folder so every repetition starts from an empty database:

    PREFECT_HOME=$(mktemp -d) python prefect_fanout.py --n 1000

Prefect runs with its defaults: no PREFECT_API_URL, so the client starts Prefect's
ephemeral API server (a local subprocess) backed by SQLite under PREFECT_HOME, and
every task run's state transitions (Pending -> Running -> Completed) are sent to that
server and stored in its database. That is Prefect's "state persisted" path, the same
guarantee mlp gives by committing each item's state to .mlp/mlp.sqlite.

Prints one JSON object on stdout (seconds, wall clock, time.perf_counter):
  import_s     importing prefect (interpreter start-up is measured by the caller)
  warmup_s     a 1-task flow run first, which starts the ephemeral server and creates
               the database; kept out of the timed flow so that the timed flow shows
               Prefect's steady-state cost per task
  flow_s       the timed flow: map n no-op tasks and wait for every result
  persisted_s  flow_s plus the wait until the server reports all n task runs of that
               flow run as COMPLETED (state events are delivered asynchronously; this
               is the time until every task's final state is actually in the database)
  total_s      from the first line of this script to the end (excludes interpreter start)
  completed    task runs the server counted as COMPLETED (must equal n)
  persist_timeline  [seconds since the timed flow started, COMPLETED count], ~1 s apart
"""
import argparse
import json
import os
import sys
import time

T0 = time.perf_counter()

# Offline and quiet: no telemetry, no update checks, nothing logged to the console per task.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_UI_ENABLED", "false")
# The ephemeral server gets 20 s to come up by default; on a loaded 2-core machine its
# first start (creating and migrating the database) can take longer than that.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import prefect  # noqa: E402
from prefect import flow, task  # noqa: E402
from prefect.client.orchestration import get_client  # noqa: E402

T_IMPORTED = time.perf_counter()


@task
def noop(i: int) -> None:
    """The per-item work: nothing. What is measured is the orchestration around it."""
    return None


@flow
def fanout(n: int):
    """Map the no-op task over n items and wait for all of them."""
    futures = noop.map(range(n))
    futures.result()  # wait for every task; raises if any failed
    from prefect.runtime import flow_run
    return flow_run.id


@flow
def warmup():
    noop(0)


def count_completed(client, flow_run_id) -> int:
    """Ask the API server how many task runs of this flow run are stored as COMPLETED."""
    body = {
        "flow_runs": {"id": {"any_": [str(flow_run_id)]}},
        "task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
    }
    response = client._client.post("/task_runs/count", json=body)
    response.raise_for_status()
    return int(response.json())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--persist-timeout", type=float, default=300.0)
    args = parser.parse_args()

    t = time.perf_counter()
    warmup()
    warmup_s = time.perf_counter() - t

    t = time.perf_counter()
    flow_run_id = fanout(args.n)
    flow_s = time.perf_counter() - t

    # Wait until every task's final state is in the database. Polled every 0.25 s with
    # one client, so the polling itself adds little load to the server.
    # The timeline (seconds since the flow started, task runs stored as COMPLETED) is
    # kept roughly once a second, to show how the states arrive.
    timeline = []
    with get_client(sync_client=True) as client:
        completed = count_completed(client, flow_run_id)
        timeline.append((round(time.perf_counter() - t, 3), completed))
        while completed < args.n and time.perf_counter() - t < args.persist_timeout:
            time.sleep(0.25)
            completed = count_completed(client, flow_run_id)
            now = time.perf_counter() - t
            if now - timeline[-1][0] >= 1.0 or completed >= args.n:
                timeline.append((round(now, 3), completed))
    persisted_s = time.perf_counter() - t

    print(json.dumps({
        "prefect_version": prefect.__version__,
        "python": sys.version.split()[0],
        "n": args.n,
        "import_s": T_IMPORTED - T0,
        "warmup_s": warmup_s,
        "flow_s": flow_s,
        "persisted_s": persisted_s,
        "total_s": time.perf_counter() - T0,
        "completed": completed,
        "persist_timeline": timeline,
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

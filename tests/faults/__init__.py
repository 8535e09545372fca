"""Fault injection (issue 13): `python -m tests.faults [SCENARIO...] [--seed N] [--ci]`.

Each scenario gets its own Redis (AOF, fsync always) and database on the run's own
PostgreSQL cluster (initdb in a temp folder, as user `postgres` when run as root), local
storage, and real `podium executor` / `worker` (/ `scheduler`) processes under a supervisor
that restarts whichever dies. It submits a seeded workload (workload.py: task bodies that
record each run in a sink file), injects its fault, waits (bounded) for every execution to
end, and prints one line:

    worker-kill seed=1 terminal=30/30 dup_runs=0 reruns=8/inflight=9 orphans=8
      recovery first=0.1s all=7.4s max_stall=7.6s stuck=0 [30s] PASS

terminal: executions ended / submitted; dup_runs: task runs recorded twice; reruns /
inflight: bodies run again for the same task run vs. bodies in flight at the faults;
orphans: bodies of a given-up attempt that still ended (a script that outlived its
worker); recovery first / all: from the dependency (or killed service) back to the first
progress / to the last execution ended; max_stall: longest time an unfinished execution
made no progress after the fault; stuck: executions still unfinished at the time limit,
and for how long. Exact definitions: measure.py. A line ends PASS, or FAIL with the targets
missed; the exit status is 1 if any scenario failed. Modules: servers (Redis, PostgreSQL),
supervisor (fleet), workload, measure (monitor, report), duplicator, harness (one scenario
from start to end), scenarios/ (registry, one module per kind of fault, catalog).
"""

"""Every scenario, by name, in the order `python -m tests.faults` runs them. `ci=True`:
part of the CI subset (`--ci`)."""

from __future__ import annotations

from tests.faults.scenarios import deliveries, kills, outages, schedules, storage
from tests.faults.scenarios.registry import SCENARIOS, Scenario, register

register(Scenario("worker-kill", kills.worker_kill, "kill -9 a worker 3 times, restarted",
                  ci=True))
register(Scenario("executor-kill", kills.executor_kill,
                  "kill -9 one of two executors mid-run, restarted", ci=True, executors=2))
register(Scenario("redis-restart", outages.redis_restart,
                  "Redis stopped and started with its data (AOF)", ci=True))
register(Scenario("redis-lost", outages.redis_lost,
                  "Redis killed, its data deleted, started empty"))
register(Scenario("pg-restart", outages.pg_restart,
                  "PostgreSQL stop -m immediate and start, then pg_terminate_backend", ci=True))
register(Scenario("duplicate-delivery", deliveries.duplicate_delivery,
                  "every message delivered twice (Redis MONITOR + LPUSH)", ci=True,
                  before=deliveries.start_duplicator, cleanup=deliveries.stop_duplicator,
                  note=deliveries.copies))
register(Scenario("worker-freeze", kills.worker_freeze,
                  "a worker SIGSTOPped past the heartbeat timeout, then resumed"))
register(Scenario("kill-frozen", kills.kill_frozen,
                  "executions killed while their worker is frozen, then it resumes",
                  check=kills.killed_stay_killed, note=kills.killed_note))
register(Scenario("poison", deliveries.poison,
                  "a task that kills its worker each time it runs, among the workload",
                  check=deliveries.poison_contained, note=deliveries.poison_note))
register(Scenario("schedulers", schedules.schedulers_killed,
                  "two schedulers, one then both killed across ticks of a 2 s Schedule",
                  schedulers=2, before=schedules.start_ticking, check=schedules.each_date_once,
                  note=schedules.ticks_note))
register(Scenario("burst", kills.burst,
                  "300 short executions; executor, worker and scheduler killed in turn",
                  executors=2, schedulers=1, executions=(300, 300), sleeps=(0.1, 0.5),
                  # 300 executions queue for 16 worker slots: one may wait its turn longer
                  # than 30 s with nothing wrong; all must still end in time.
                  stall_target=None))
register(Scenario("storage-down", storage.storage_down,
                  "S3 (moto behind a proxy) refusing connections 10-20 s during uploads",
                  prepare=storage.start_object_storage, before=storage.deploy_uploads,
                  check=storage.uploads_kept, note=storage.uploads_note))
register(Scenario("disk-full", storage.disk_full,
                  "the services' disk (a tmpfs) filled 8-15 s while tasks write files",
                  prepare=storage.mount_small_disk, before=storage.deploy_writers,
                  check=storage.worker_survived, note=storage.disk_note))

__all__ = ["SCENARIOS"]

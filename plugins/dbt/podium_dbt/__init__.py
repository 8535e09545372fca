"""Podium plugin `dbt`: Kestra's io.kestra.plugin.dbt.cli tasks, running the dbt CLI as a
local process of the worker through Podium's script machinery (podium.sdk.scripts)."""

from podium.sdk import Plugin
from podium_dbt.dbt_cli import DbtCLI
from podium_dbt.legacy import Build, Compile, Deps, Freshness, List, Run, Seed, Snapshot, Test
from podium_dbt.setup_task import Setup

plugin = Plugin(
    name="dbt",
    title="dbt",
    description="Run dbt Core commands (build, run, test, seed...) against the warehouse "
                "a profiles.yml names: DuckDB, PostgreSQL, or any installed adapter.",
    tasks=(DbtCLI, Setup, Build, Compile, Deps, Freshness, List, Run, Seed, Snapshot, Test),
)

"""Kestra's deprecated one-command dbt tasks (use DbtCLI): each runs one dbt command as
abstract_dbt.AbstractDbt describes. Nine declarations of one behaviour, so one module."""

from __future__ import annotations

from typing import ClassVar

from podium.sdk import Example
from podium_dbt.abstract_dbt import AbstractDbt
from podium_dbt.examples import LEGACY


class Build(AbstractDbt):
    """Deprecated: runs `dbt build` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Build"
    COMMAND: ClassVar[str] = "build"
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Build"]


class Compile(AbstractDbt):
    """Deprecated: runs `dbt compile` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Compile"
    COMMAND: ClassVar[str] = "compile"
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Compile"]


class Deps(AbstractDbt):
    """Deprecated: runs `dbt deps` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Deps"
    COMMAND: ClassVar[str] = "deps"
    PARSES_RESULTS: ClassVar[bool] = False
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Deps"]


class Freshness(AbstractDbt):
    """Deprecated: runs `dbt source freshness` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Freshness"
    COMMAND: ClassVar[str] = "source freshness"
    PARSES_RESULTS: ClassVar[bool] = False
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Freshness"]


class List(AbstractDbt):
    """Deprecated: runs `dbt list` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.List"
    COMMAND: ClassVar[str] = "list"
    PARSES_RESULTS: ClassVar[bool] = False
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["List"]


class Run(AbstractDbt):
    """Deprecated: runs `dbt run` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Run"
    COMMAND: ClassVar[str] = "run"
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Run"]


class Seed(AbstractDbt):
    """Deprecated: runs `dbt seed` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Seed"
    COMMAND: ClassVar[str] = "seed"
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Seed"]


class Snapshot(AbstractDbt):
    """Deprecated: runs `dbt snapshot` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Snapshot"
    COMMAND: ClassVar[str] = "snapshot"
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Snapshot"]


class Test(AbstractDbt):
    """Deprecated: runs `dbt test` (use DbtCLI)."""

    TYPE: ClassVar[str] = "io.kestra.plugin.dbt.cli.Test"
    COMMAND: ClassVar[str] = "test"
    EXAMPLES: ClassVar[tuple[Example, ...]] = LEGACY["Test"]

"""Flows from Kestra's documentation and blueprint library, run unchanged (issues 12 and
16; see README.md here).

Every flow of `core` and Podium's plugin families must validate, and every runnable one
must end as its page describes. A flow that fails today because of a known gap carries
`pending` (or `pending_validation`) in the manifest and is a strict xfail: the fix that
closes the gap turns it into a failure that says to drop the mark.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from podium.common.errors import FlowValidationError, YamlSyntaxError
from tests.realworld.corpus import (
    PODIUM_FAMILIES,
    Entry,
    classify,
    load_corpus,
    podium_family,
    problems,
    strip_catalog_metadata,
)
from tests.realworld.runner import Outcome, run_corpus, validate

ENTRIES = load_corpus()
VALIDATED = [entry for entry in ENTRIES if entry.validated]
RUNNABLE = [entry for entry in ENTRIES if entry.runnable]


def _param(entry: Entry, pending: str | None) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=f"known gap: {pending}")] if pending else []
    return pytest.param(entry, id=entry.name, marks=marks)


def test_manifest_agrees_with_the_flow_files() -> None:
    # Also: every flow not run here says why (`python -m tests.realworld --skips`).
    assert list(problems(ENTRIES)) == []


def test_a_type_podium_lacks_is_not_taken_for_one_of_its_families() -> None:
    assert classify(["io.kestra.plugin.jdbc.duckdb.Query",
                     "io.kestra.plugin.serdes.csv.IonToCsv"]) == "plugin:jdbc,serdes"
    assert classify(["io.kestra.plugin.jdbc.snowflake.Query",
                     "io.kestra.plugin.core.log.Log"]) == "plugin:jdbc.snowflake"
    assert classify(["io.kestra.plugin.aws.sqs.Trigger"]) == "plugin:aws.sqs"
    assert classify(["io.kestra.plugin.gcp.bigquery.Query"]) == "plugin:gcp"
    # issue 17: every name of a moved type is its Podium family; the ones Podium lacks not
    assert classify(["io.kestra.plugin.notifications.slack.SlackExecution",
                     "io.kestra.plugin.slack.notifications.SlackIncomingWebhook",
                     "io.kestra.plugin.slack.SlackIncomingWebhook",
                     "io.kestra.plugin.microsoft365.teams.TeamsExecution"]) == "plugin:notifications"
    assert classify(["io.kestra.plugin.notifications.mail.MailSend",
                     "io.kestra.plugin.email.MailExecution"]) == "plugin:email"
    assert classify(["io.kestra.plugin.notifications.telegram.TelegramSend"]) == \
        "plugin:notifications.telegram"
    assert classify(["io.kestra.plugin.slack.app.conversations.Create"]) == "plugin:slack"
    # a pluginDefaults `type` may be a package of a family's types
    assert podium_family("io.kestra.plugin.jdbc.postgresql") == "jdbc"


def test_every_type_of_an_installed_podium_family_is_classified_as_podium() -> None:
    # A type a family adds (or an alias) must be listed in PODIUM_FAMILIES, or its flows
    # would be skipped as `plugin` instead of validated.
    from podium.common.plugins import registry

    unlisted = [f"{plugin.name}: {name}" for plugin in registry.plugins()
                if plugin.name in PODIUM_FAMILIES
                for classes in plugin.by_category().values() for cls in classes
                for name in (cls.TYPE, *cls.ALIASES) if podium_family(name) != plugin.name]
    assert unlisted == []


def test_a_blueprint_is_read_without_its_catalogue_text() -> None:
    text = ("extend:\n  title: A title\n  description: |\n    one\n\n    two\n"
            "id: f\nnamespace: n\n# a comment\ntasks: []\n")
    assert strip_catalog_metadata(text) == "id: f\nnamespace: n\n# a comment\ntasks: []\n"


def test_the_corpus_is_the_size_the_issue_asks() -> None:
    # At least 150 flows from the docs; all but plugin flows count as core per the issue.
    assert len(ENTRIES) >= 150
    assert len(VALIDATED) >= 150


@pytest.mark.parametrize("entry", [_param(e, e.pending_validation) for e in VALIDATED])
def test_flow_validates(entry: Entry) -> None:
    # Core and Podium's families: a flow of an installed family validates for real.
    if entry.invalid:  # a docs error: Kestra refuses it, so must we
        with pytest.raises((FlowValidationError, YamlSyntaxError)):
            validate(entry)
        return
    loaded = validate(entry)
    assert (loaded.flow.namespace, loaded.flow.id) == entry.key


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest) -> dict[str, list[Outcome]]:
    """Every selected runnable flow, run once on one embedded runtime (concurrently)."""
    selected = {item.callspec.params["entry"].file for item in request.session.items
                if getattr(item, "originalname", "") == "test_flow_runs_as_its_page_says"
                and hasattr(item, "callspec")}
    entries = [entry for entry in RUNNABLE if entry.file in selected]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", path_without_version_shims(os.environ.get("PATH", "")))
        # A relative SQLite file that is not in the task's working directory is opened in
        # the worker's directory, as in Kestra (blueprints-business-automation's kestra.db):
        # a scratch directory here, not the checkout.
        patch.chdir(request.getfixturevalue("tmp_path_factory").mktemp("worker-cwd"))
        return {runs[0].entry.file: runs for runs in run_corpus(entries)}


def path_without_version_shims(path: str) -> str:
    """The worker's PATH less pyenv's shims. Ansible's interpreter discovery on `localhost`
    takes the first `python3.X` on PATH, and a shim answers for versions it cannot run
    (`pyenv: python3.13: command not found` on the project's machines): the corpus's
    ansible flows would fail for the machine's sake. A worker image has no shims."""
    return os.pathsep.join(folder for folder in path.split(os.pathsep)
                           if not folder.rstrip("/").endswith(("/.pyenv/shims",
                                                                "/pyenv-virtualenv/shims")))


@pytest.mark.parametrize("entry", [_param(e, e.pending) for e in RUNNABLE])
def test_flow_runs_as_its_page_says(entry: Entry, outcomes: dict[str, list[Outcome]]) -> None:
    runs = outcomes[entry.file]
    if all(outcome.status == "skip" for outcome in runs):
        pytest.skip(runs[0].detail)
    failed = [f"{o.label}: {o.detail}" for o in runs if o.status != "pass"]
    assert not failed, "\n".join(failed)

"""Which plugin a type belongs to, for the error of a flow naming a type that is not
installed (common/plugins/catalog.py)."""

from __future__ import annotations

import pytest

from podium.common.errors import FlowValidationError
from podium.common.flow.loader import parse_flow
from podium.common.plugins.catalog import family_of, missing_plugin_hint


@pytest.mark.parametrize("type_name,family", [
    ("io.kestra.plugin.jdbc.postgresql.Query", "jdbc"),
    ("io.kestra.plugin.gcp.bigquery.Query", "gcp"),
    ("io.kestra.plugin.notifications.mail.MailSend", "email"),
    ("io.kestra.plugin.notifications.slack.SlackExecution", "notifications"),
    ("io.kestra.plugin.slack.SlackIncomingWebhook", "notifications"),
    ("io.kestra.plugin.core.log.Log", None),
    ("io.kestra.core.tasks.log.Log", None),
    ("com.acme.Thing", None),
])
def test_the_family_of_a_type_name(type_name, family):
    assert family_of(type_name) == family


def test_a_family_podium_lacks_is_named_as_kestras_plugin():
    assert missing_plugin_hint("io.kestra.plugin.azure.storage.blob.Upload") == (
        "it belongs to Kestra's plugin-azure, which Podium does not provide yet "
        "(`podium plugins list` shows the installed plugins)")


def test_an_unknown_type_of_an_installed_family_gets_suggestions_instead():
    assert missing_plugin_hint("io.kestra.plugin.jdbc.postgresql.Querry") is None
    with pytest.raises(FlowValidationError) as raised:
        parse_flow("id: f\nnamespace: n\ntasks:\n  - id: q\n"
                   "    type: io.kestra.plugin.jdbc.postgresql.Querry\n")
    assert "did you mean io.kestra.plugin.jdbc.postgresql.Query" in str(raised.value)

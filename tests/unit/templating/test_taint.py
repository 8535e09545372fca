"""Taint tracking of secrets inside a render (common/templating/taint.py): what gets
registered with the masker, and what does not."""

from __future__ import annotations

import json

import pytest

from podium.common.templating import RenderServices, render, render_typed

SECRETS = {"K": "Sup3r-S3cret", "CFG": json.dumps({"password": "pa55-word!", "region": "eu",
                                                  "enabled": "true"})}
CONTEXT = {"flow": {"namespace": "company.team"}, "big": [str(n) for n in range(500)]}


def services() -> RenderServices:
    return RenderServices(secret=lambda key, namespace=None: SECRETS[key])


def test_a_render_without_secrets_registers_nothing():
    used = services()
    assert render("{{ big | join(',') | upper }}", CONTEXT, used).startswith("0,1,2")
    assert used.masker.values == set()


@pytest.mark.parametrize("template, registered", [
    ("{{ secret('K') | upper }}", "SUP3R-S3CRET"),
    ("{{ secret('K') | lower | replace({'-': '_'}) }}", "sup3r_s3cret"),
    ("{{ ([secret('K')] + big) | join(',') | upper }}", "SUP3R-S3CRET,0,1"),
], ids=["filter", "chain", "big_list_operand"])
def test_a_derived_text_is_registered(template, registered):
    used = services()
    output = render(template, CONTEXT, used)
    assert output.startswith(registered)
    assert used.masker.mask(output).startswith("**masked*")


def test_only_the_printed_fields_of_a_json_secret_are_registered():
    used = services()
    assert render("{{ fromJson(secret('CFG')).password }}", CONTEXT, used) == "pa55-word!"
    assert "pa55-word!" in used.masker.values
    assert not {"eu", "true"} & used.masker.values


def test_a_typed_render_returns_plain_text_and_registers_it():
    used = services()
    value = render_typed("{{ secret('K') | upper }}", CONTEXT, used)
    assert value == "SUP3R-S3CRET" and type(value) is str
    assert "SUP3R-S3CRET" in used.masker.values


def test_short_pieces_mask_the_span_they_were_printed_in():
    used = services()
    output = render("<{% for c in secret('K') | split('') %}{{ c }} {% endfor %}>", CONTEXT, used)
    assert used.masker.mask(output).startswith("<**masked*")
    assert "S u p" not in used.masker.mask(output)


def test_numbers_and_booleans_from_a_secret_are_not_registered():
    used = services()
    assert render("{{ secret('K') | length }} {{ secret('K') == 'x' }}", CONTEXT, used) \
        == "12 false"
    assert used.masker.values == {"Sup3r-S3cret"}

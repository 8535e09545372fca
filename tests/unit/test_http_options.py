"""The HTTP client rule every caller shares (common/http_options.py): the Authorization
header and its masking, and the connect/read timeouts."""

from __future__ import annotations

import base64

import pytest

from podium.common.http_options import authorization, timeouts
from podium.common.plugins.tasks.http import RequestOptions
from podium.common.templating.services import SecretMasker


def options(**given) -> RequestOptions:
    return RequestOptions.model_validate(given)


def as_given(value):
    return value


def upper(value):
    return str(value).upper()


def test_no_auth_no_header():
    assert authorization(None, as_given, SecretMasker()) is None
    assert authorization(options(), as_given, SecretMasker()) is None


def test_basic_auth_is_rendered_encoded_and_masked():
    masker = SecretMasker()
    header = authorization(options(auth={"type": "BASIC", "username": "u", "password": "p"}),
                           upper, masker)
    credential = base64.b64encode(b"U:P").decode()
    assert header == f"Basic {credential}"
    assert masker.mask(f"echo {credential}") == "echo " + "*" * len(credential)


def test_the_deprecated_pair_counts_only_when_both_are_given():
    pair = options(basicAuthUser="user", basicAuthPassword="pa55word")
    assert authorization(pair, as_given, None) == \
        "Basic " + base64.b64encode(b"user:pa55word").decode()
    assert authorization(options(basicAuthUser="user"), as_given, None) is None


def test_explicit_auth_wins_over_the_deprecated_pair():
    given = options(auth={"type": "BEARER", "token": "t"}, basicAuthUser="u",
                    basicAuthPassword="p")
    assert authorization(given, as_given, None) == "Bearer t"


@pytest.mark.parametrize(("token", "masked"), [("a-long-token", True), ("short", False)])
def test_a_bearer_token_is_masked_unless_too_short_to_mask_safely(token, masked):
    masker = SecretMasker()
    assert authorization(options(auth={"type": "BEARER", "token": token}), as_given,
                         masker) == f"Bearer {token}"
    assert masker.found_in(token) is masked


def test_without_a_masker_the_header_is_the_same():
    given = options(auth={"type": "BEARER", "token": "a-long-token"})
    assert authorization(given, as_given, None) == authorization(given, as_given,
                                                                 SecretMasker())


def test_timeouts_default_then_deprecated_then_timeout_block():
    assert timeouts(options(), as_given, 30.0) == (None, 30.0)
    assert timeouts(options(connectTimeout="PT2S", readTimeout="PT3S"), as_given, 30.0) \
        == (2.0, 3.0)
    block = options(timeout={"connectTimeout": "PT4S", "readIdleTimeout": "PT5S"},
                    connectTimeout="PT2S", readTimeout="PT3S")
    assert timeouts(block, as_given, 30.0) == (4.0, 5.0)


def test_timeouts_are_rendered():
    given = options(timeout={"connectTimeout": "{{ c }}", "readIdleTimeout": "{{ r }}"})
    values = {"{{ c }}": "PT1S", "{{ r }}": "PT7S"}
    assert timeouts(given, values.get, 30.0) == (1.0, 7.0)

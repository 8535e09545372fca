"""Secrets: the SECRET_ environment provider, SECRET input encryption, and the masker."""

from __future__ import annotations

import base64
import os
import threading

import pytest

from podium.common.errors import SecretError
from podium.common.flow.loader import parse_flow
from podium.common.secrets import (
    ENCRYPTED_TYPE,
    EnvSecretProvider,
    SecretCipher,
    decode_base64,
    encode_base64,
    is_sealed,
    key_file_cipher,
    reveal_secret_inputs,
    seal_secret_inputs,
    secret_input_ids,
)
from podium.common.templating import SecretMasker


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# ---------------------------------------------------------------- the environment provider
def test_secrets_come_from_base64_secret_variables_whatever_the_key_case():
    provider = EnvSecretProvider({"SECRET_MY_SECRET": b64('{"secretKey":"secretValue"}'),
                                  "OTHER": b64("no"), "SECRET_": "x"})
    assert provider.get("any.namespace", "my_secret") == '{"secretKey":"secretValue"}'
    assert provider.get(None, "MY_SECRET") == provider.get(None, "My_Secret")
    assert provider.get(None, "other") is None


def test_line_breaks_in_the_encoded_value_are_ignored_and_padding_is_optional():
    # Kestra's own test secret SECRET_NEW_LINE is base64 wrapped over several lines.
    long = "passwordveryveryveyrlong" * 5
    encoded = b64(long)
    wrapped = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    provider = EnvSecretProvider({"SECRET_NEW_LINE": wrapped,
                                  "SECRET_NOPAD": b64("ab").rstrip("=")})
    assert provider.get(None, "new_line") == long
    assert provider.get(None, "nopad") == "ab"


def test_a_variable_that_is_not_base64_is_reported_when_asked_for():
    provider = EnvSecretProvider({"SECRET_NON_B64_SECRET": "some secret value"})
    with pytest.raises(SecretError, match="not base64-encoded"):
        provider.get(None, "non_b64_secret")


def test_base64_round_trip_keeps_unicode():
    assert decode_base64(encode_base64("pässwörd ✓")) == "pässwörd ✓"


# ---------------------------------------------------------------- encryption of SECRET inputs
FLOW = """
id: f
namespace: company.team
inputs:
  - id: password
    type: SECRET
  - id: db.token
    type: SECRET
    required: false
  - id: name
    type: STRING
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
"""


def test_secret_inputs_are_sealed_and_revealed_with_the_same_key():
    flow = parse_flow(FLOW).flow
    cipher = SecretCipher(SecretCipher.generate_key())
    assert secret_input_ids(flow.inputs) == ["password", "db.token"]
    values = {"password": "hunter2", "db": {"token": "t0k3n"}, "name": "bob"}
    sealed = seal_secret_inputs(flow.inputs, values, cipher)
    assert values["password"] == "hunter2"  # the caller's dict is left alone
    assert is_sealed(sealed["password"]) and is_sealed(sealed["db"]["token"])
    assert sealed["password"]["type"] == ENCRYPTED_TYPE and "hunter2" not in str(sealed)
    assert sealed["name"] == "bob"

    masker = SecretMasker()
    context = reveal_secret_inputs({"inputs": sealed, "flow": {}}, [], cipher, masker)
    assert context["inputs"] == values
    assert masker.values == {"hunter2", "t0k3n"}


def test_a_clear_secret_input_default_is_still_masked():
    masker = SecretMasker()
    context = reveal_secret_inputs({"inputs": {"password": "dflt-pw"}}, ["password"], None,
                                   masker)
    assert context["inputs"] == {"password": "dflt-pw"} and masker.values == {"dflt-pw"}


def test_without_a_key_secret_inputs_are_refused():
    flow = parse_flow(FLOW).flow
    with pytest.raises(SecretError, match="encryption is not configured"):
        seal_secret_inputs(flow.inputs, {"password": "x"}, None)
    assert seal_secret_inputs(flow.inputs, {"name": "no secret given"}, None) == \
        {"name": "no secret given"}
    sealed = SecretCipher(SecretCipher.generate_key()).encrypt("x")
    with pytest.raises(SecretError, match="no encryption key"):
        reveal_secret_inputs({"inputs": {"password": sealed}}, [], None, SecretMasker())


def test_another_key_cannot_decrypt_and_a_bad_key_is_refused():
    sealed = SecretCipher(SecretCipher.generate_key()).encrypt("x")
    with pytest.raises(SecretError, match="another key"):
        SecretCipher(SecretCipher.generate_key()).decrypt(sealed)
    with pytest.raises(SecretError, match="not a Fernet key"):
        SecretCipher("too-short")


def test_the_embedded_key_is_generated_once_and_private(tmp_path):
    first = key_file_cipher(tmp_path)
    sealed = first.encrypt("kept")
    assert key_file_cipher(tmp_path).decrypt(sealed) == "kept"
    assert oct(os.stat(tmp_path / "secrets.key").st_mode & 0o777) == "0o600"


# ---------------------------------------------------------------- the masker
def test_masking_is_kestra_s_stars_of_the_same_length():
    masker = SecretMasker()
    masker.add("password")
    masker.add("a-much-longer-secret")
    assert masker.mask("This is my secret: password") == "This is my secret: ********"
    assert masker.mask("x a-much-longer-secret y") == "x **masked*" + "*" * 11 + " y"


def test_every_line_of_a_multi_line_secret_is_masked_on_its_own():
    masker = SecretMasker()
    masker.add("-----BEGIN KEY-----\nMIIEabcdef\n}\n-----END KEY-----")
    assert masker.mask("line MIIEabcdef") == "line **masked**"
    assert masker.mask("a } b") == "a } b"  # too short to mask alone
    assert "MIIE" not in masker.mask("-----BEGIN KEY-----\nMIIEabcdef\n}\n-----END KEY-----")


def test_the_masker_takes_secrets_while_other_threads_mask():
    masker = SecretMasker()
    stop = threading.Event()
    errors = []

    def mask_forever():
        while not stop.is_set():
            try:
                masker.mask("some text")
            except Exception as exc:  # noqa: BLE001 - the assertion below reports it
                errors.append(exc)

    thread = threading.Thread(target=mask_forever)
    thread.start()
    for index in range(2000):
        masker.add(f"secret-{index}")
    stop.set()
    thread.join()
    assert errors == []

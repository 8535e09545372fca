"""Functions: services-backed ones through a real Jinja context, and the pure ones directly.
Oracles: FileURIFunctionTest, KvFunctionTest, RandomIntFunctionTest, UUIDFunctionTest,
IDFunctionTest, EncryptDecryptFunctionTest; Pebble's MaxFunction/MinFunction/RangeFunction."""

import base64
import re

import pytest
from jinja2.sandbox import SandboxedEnvironment

from podium.common.errors import PodiumError, TemplateError
from podium.common.templating.library import FILTERS, TESTS
from podium.common.templating.library import FUNCTIONS as FN
from podium.common.templating.services import SERVICES_KEY, RenderServices


@pytest.fixture
def env():
    e = SandboxedEnvironment()
    e.filters.update(FILTERS)
    e.globals.update(FN)
    e.tests.update(TESTS)
    return e


def render(env, template, services=None, **ctx):
    ctx.setdefault("flow", {"id": "flow", "namespace": "my.namespace"})
    if services is not None:
        ctx[SERVICES_KEY] = services
    return env.from_string(template).render(ctx)


def test_secret_masks_value(env):
    services = RenderServices(secret=lambda k: {"PASSWORD": "s3cr3t"}.get(k))
    assert render(env, "{{ secret('PASSWORD') }}", services) == "s3cr3t"
    assert "s3cr3t" in services.masker.values
    with pytest.raises(TemplateError, match="Cannot find secret for key 'NOPE'"):
        render(env, "{{ secret('NOPE') }}", services)


def test_secret_unavailable_and_failing_service(env):
    with pytest.raises(TemplateError, match="not available"):
        render(env, "{{ secret('X') }}")
    with pytest.raises(TemplateError, match="not available"):
        render(env, "{{ secret('X') }}", RenderServices())

    def boom(_):
        raise RuntimeError("internal detail /etc/x")
    with pytest.raises(TemplateError) as err:
        render(env, "{{ secret('X') }}", RenderServices(secret=boom))
    assert "internal detail" not in str(err.value)

    def podium(_):
        raise PodiumError("vault is sealed")
    with pytest.raises(TemplateError, match="vault is sealed"):
        render(env, "{{ secret('X') }}", RenderServices(secret=podium))


def _kv_service(store: dict, calls: list | None = None):
    """A kv() service over {(namespace, key): value}: absent keys raise LookupError, as
    the worker's KVStore.lookup_for does."""
    def kv(ns, key, error_on_missing):
        if calls is not None:
            calls.append((ns, key, error_on_missing))
        return store[(ns, key)]
    return RenderServices(kv=kv)


def test_kv_default_namespace_and_explicit_one_KvFunctionTest(env):  # KvFunctionTest.get
    calls = []
    services = _kv_service({("my.namespace", "my-key"): {"field": "value"},
                            ("other.ns", "my-key"): 1}, calls)
    assert render(env, "{{ kv('my-key').field }}", services) == "value"
    assert calls[-1] == ("my.namespace", "my-key", True)
    render(env, "{{ kv('my-key', 'other.ns') }}", services)
    assert calls[-1][0] == "other.ns"
    with pytest.raises(TemplateError, match="not available"):
        render(env, "{{ kv('k') }}", RenderServices())


def test_kv_missing_key_fails_by_default_KvFunctionTest(env):
    # shouldFailGivenNonExistingKeyUsingDefaults (Kestra >= 0.22: errorOnMissing=true)
    services = _kv_service({})
    with pytest.raises(TemplateError, match="The key 'absent' does not exist in the namespace 'my.namespace'."):
        render(env, "{{ kv('absent') }}", services)
    with pytest.raises(TemplateError, match="does not exist"):
        render(env, "{{ kv('absent', errorOnMissing=true) }}", services)
    # `??` rescues undefined values only, not a failing function (Pebble's
    # NullCoalescingExpression catches AttributeNotFoundException alone)
    from podium.common.templating import render as pebble_render
    with pytest.raises(TemplateError, match="does not exist"):
        pebble_render("{{ kv('absent') ?? 'fallback' }}",
                      {"flow": {"id": "f", "namespace": "my.namespace"}}, services)


def test_kv_missing_key_with_error_on_missing_false_is_null(env):
    # shouldGetEmptyGivenNonExistingKeyAndErrorOnMissingFalse
    services = _kv_service({})
    assert render(env, "{{ kv('absent', errorOnMissing=false) is null }}", services) == "True"
    from podium.common.templating import render as pebble_render
    assert pebble_render("{{ kv('absent', errorOnMissing=false) }}",
                         {"flow": {"id": "f", "namespace": "my.namespace"}}, services) == ""


def test_kv_stored_null_is_found_not_missing(env):
    services = _kv_service({("my.namespace", "nothing"): None})
    assert render(env, "{{ kv('nothing') is null }}", services) == "True"


def test_kv_searches_parent_namespaces_without_an_explicit_one(env):
    # shouldGetValueFromKVGivenExistingKeyWithInheritance / ...WithGivenNamespaceAndInheritance
    calls = []
    services = _kv_service({("my.company", "my-key"): "value", ("my", "my-key"): "first"}, calls)
    flow = {"id": "f", "namespace": "my.company.team"}
    assert render(env, "{{ kv('my-key') }}", services, flow=flow) == "value"
    assert [ns for ns, _, _ in calls] == ["my.company.team", "my.company"]
    with pytest.raises(TemplateError, match="does not exist in the namespace 'kv.inherited'"):
        render(env, "{{ kv('my-key', namespace='kv.inherited') }}", services, flow=flow)
    with pytest.raises(TemplateError, match="does not exist in the namespace 'my.company.team'"):
        render(env, "{{ kv('other') }}", services, flow=flow)


def test_read_and_file_size(env):
    services = RenderServices(read=lambda p: {"a.txt": "hello"}.get(p), file_size=lambda p: 42)
    assert render(env, "{{ read('a.txt') }}", services) == "hello"
    with pytest.raises(TemplateError, match="not found"):
        render(env, "{{ read('missing.txt') }}", services)
    assert render(env, "{{ fileSize('kestra:///my/namespace/flow/executions/1/f.txt') }}", services) == "42"
    with pytest.raises(TemplateError, match="Unable to create the URI"):
        render(env, "{{ fileSize('relative.txt') }}", services)
    with pytest.raises(TemplateError, match="not available"):
        render(env, "{{ read('a.txt') }}", RenderServices())


def test_file_uri_FileURIFunctionTest(env):  # FileURIFunctionTest.*
    assert render(env, "{{ fileURI(fileA) }}", fileA="test") == "kestra:///my/namespace/_files/test"
    assert render(env, "{{ fileURI('/dir/x.sql') }}") == "kestra:///my/namespace/_files/dir/x.sql"
    for bad in ("../test", "a/../../b", "..", "a\\..\\b"):
        with pytest.raises(TemplateError, match="Path must not contain '../'"):
            render(env, "{{ fileURI(p) }}", p=bad)


def test_error_logs(env):  # ErrorLogsFunction: outside an execution, Kestra's message
    with pytest.raises(TemplateError, match="can only be used in the Worker"):
        render(env, "{{ errorLogs() }}", RenderServices())

    logs = [{"message": "boom", "level": "ERROR"}]
    services = RenderServices(error_logs=lambda: logs)
    assert render(env, "{{ errorLogs()[0].message }}", services) == "boom"
    assert render(env, "{{ errorLogs() | length }}", RenderServices(error_logs=lambda: None)) == "0"


def test_encrypt_decrypt_EncryptDecryptFunctionTest():
    key = base64.b64encode(b"k" * 32).decode()
    encrypted = FN["encrypt"](key, "toto")
    assert encrypted != "toto"
    assert FN["decrypt"](key, encrypted) == "toto"
    assert FN["encrypt"](key, "toto") != encrypted  # a fresh IV each time
    assert FN["encrypt"](key, "") == "" and FN["decrypt"](key, "") == ""
    with pytest.raises(TemplateError, match="two arguments"):  # missingParameter
        FN["encrypt"]("toto")
    with pytest.raises(TemplateError, match="two arguments"):
        FN["decrypt"]("toto")


def test_decrypt_reads_kestra_encryption_service_format():
    # EncryptionService: base64(12-byte IV + AES/GCM/NoPadding ciphertext with 128-bit tag).
    key = base64.b64encode(bytes(range(32))).decode()
    encrypted = "ZGVmZ2hpamtsbW5vAH6yChbJHftNFi2J+ofqbmIBr4E5htQpeMXlNhoHVqHAtbw="
    assert base64.b64decode(encrypted)[:12] == bytes(range(100, 112))
    assert FN["decrypt"](key, encrypted) == "Hello Kestra – é"


def test_decrypt_with_wrong_key_or_bad_data_is_a_template_error(env):
    key = base64.b64encode(b"k" * 32).decode()
    other = base64.b64encode(b"o" * 32).decode()
    encrypted = FN["encrypt"](key, "toto")
    with pytest.raises(TemplateError, match="wrong key or corrupted data"):
        FN["decrypt"](other, encrypted)
    with pytest.raises(TemplateError, match="wrong key or corrupted data"):
        FN["decrypt"](key, encrypted[:-4] + "AAAA")
    with pytest.raises(TemplateError, match="base64"):
        FN["decrypt"]("not base64!", encrypted)
    with pytest.raises(TemplateError, match="key length"):
        FN["encrypt"](base64.b64encode(b"short").decode(), "toto")
    with pytest.raises(TemplateError, match="wrong key"):
        render(env, "{{ decrypt(k, v) }}", k=other, v=encrypted)


def test_uuid_and_id():  # UUIDFunctionTest (36 characters; Kestra's generator is v7) / IDFunctionTest
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        FN["uuid"]())
    ids = {FN["id"]() for _ in range(50)}
    assert len(ids) == 50 and all(re.fullmatch(r"[0-9A-Za-z]{22}", i) for i in ids)


def test_random_int_RandomIntFunctionTest():
    for _ in range(50):
        assert 1 <= FN["randomInt"](1, 10) < 10
        assert -10 <= FN["randomInt"](-10, -1) < -1
    assert FN["randomInt"](10, 10) == 10
    for args in ((10,), (), ("1", "10"), (10, 1)):
        with pytest.raises(TemplateError):
            FN["randomInt"](*args)


def test_max_min():
    assert FN["max"](1, 5, 3) == 5
    assert FN["min"](4, 2, 8) == 2
    assert FN["max"](1.5, 2) == 2
    assert FN["max"]() is None
    with pytest.raises(TemplateError, match="compare"):
        FN["min"](1, "a")


def test_range_inclusive_pebble():  # Pebble RangeFunction
    assert FN["range"](0, 3) == [0, 1, 2, 3]
    assert FN["range"](0, 6, 2) == [0, 2, 4, 6]
    assert FN["range"](3, 0, -1) == [3, 2, 1, 0]
    assert FN["range"](3, 0) == []
    assert FN["range"]("a", "c") == ["a", "b", "c"]
    with pytest.raises(TemplateError, match="different than 0"):
        FN["range"](0, 3, 0)
    with pytest.raises(TemplateError, match="max 100000"):
        FN["range"](0, 10**12)
    with pytest.raises(TemplateError, match="Number or String"):
        FN["range"]("ab", "c")


def test_secret_subkey_full_and_namespace_SecretFunction(env):
    asked = []

    def lookup(key, namespace=None):
        asked.append((key, namespace))
        return {"DB": '{"user": "ann", "password": "pw-123456", "port": 5432, "tls": true}',
                "PLAIN": "not json"}[key]

    services = RenderServices(secret=lookup)
    assert render(env, "{{ secret('DB', subkey='password') }}", services) == "pw-123456"
    assert render(env, "{{ secret('DB', subkey='port') }}|{{ secret('DB', subkey='tls') }}",
                  services) == "5432|true"
    assert "pw-123456" in services.masker.values  # the field is masked on its own too
    assert render(env, "{{ secret('DB', full=true).value | length }}", services) == "67"
    assert render(env, "{{ secret('DB', 'other.ns', subkey='user') }}", services) == "ann"
    assert asked[-1] == ("DB", "other.ns") and asked[0] == ("DB", None)
    with pytest.raises(TemplateError, match="Cannot find secret sub-key 'nope' in secret 'DB'."):
        render(env, "{{ secret('DB', subkey='nope') }}", services)
    with pytest.raises(TemplateError, match="Ensure the secret contains valid JSON value"):
        render(env, "{{ secret('PLAIN', subkey='x') }}", services)
    with pytest.raises(TemplateError, match="both 'subkey' and 'full'"):
        render(env, "{{ secret('DB', subkey='x', full=true) }}", services)

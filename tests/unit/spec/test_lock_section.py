"""The spec's `lock:` (SPEC.md §5.6): validated, located, set once, and its connection string
variable held to the env policy like api_key_env."""

# Expected messages are kept whole, as the tool prints them, so they can be searched for.
# ruff: noqa: E501

from __future__ import annotations

from .conftest import Reader
from .support import HEAD, SUB, messages

LOCK = """\
lock:
  azure_blob:
    account_url: https://acme.blob.core.windows.net
    container: reconciler-locks
"""


def test_a_valid_lock_is_read(read: Reader) -> None:
    spec, diagnostics = read({"stack.yaml": HEAD, "lock.yaml": LOCK})
    assert messages(diagnostics) == []
    assert spec.lock is not None
    assert spec.lock.azure_blob.account_url == "https://acme.blob.core.windows.net"
    assert spec.lock.azure_blob.container == "reconciler-locks"
    assert spec.lock.azure_blob.connection_string_env is None


def test_without_lock_the_spec_has_none(read: Reader) -> None:
    spec, diagnostics = read({"stack.yaml": HEAD})
    assert messages(diagnostics) == []
    assert spec.lock is None


def test_lock_errors_are_located(read: Reader) -> None:
    _, diagnostics = read(
        {
            "stack.yaml": HEAD,
            "lock.yaml": """\
                lock:
                  azure_blob:
                    account_url: http://acme.blob.core.windows.net
                    container: Locks--1
                    connection_sting_env: AZURE_STORAGE_X
                """,
        }
    )
    assert messages(diagnostics) == [
        "spec/lock.yaml:3:18: error: lock.azure_blob.account_url 'http://acme.blob.core.windows.net' is not a blob endpoint: write https://ACCOUNT.blob.core.windows.net (http only for 127.0.0.1 or localhost, e.g. Azurite)",
        "spec/lock.yaml:4:16: error: lock.azure_blob.container 'Locks--1' is not a valid blob container name: 3 to 63 of a-z 0-9 -, starting and ending with a letter or digit, no --",
        "spec/lock.yaml:5:5: error: unknown key 'connection_sting_env' in lock.azure_blob; did you mean 'connection_string_env'?",
    ]


def test_lock_set_in_two_files_is_an_error_naming_both(read: Reader) -> None:
    _, diagnostics = read({"stack.yaml": HEAD, "a.yaml": LOCK, "b.yaml": LOCK})
    assert messages(diagnostics) == [
        "spec/b.yaml:1:1: error: `lock` is set twice: here and at spec/a.yaml:1:1 (exactly one file sets it)"
    ]


def test_lock_without_a_backend_says_what_is_missing(read: Reader) -> None:
    _, diagnostics = read({"stack.yaml": HEAD, "lock.yaml": "lock: {}\n"})
    assert [m for m in messages(diagnostics) if "azure_blob" in m], messages(diagnostics)


def test_http_is_allowed_to_this_machine_only(read: Reader) -> None:
    local = LOCK.replace(
        "https://acme.blob.core.windows.net", "http://127.0.0.1:10000/devstoreaccount1"
    )
    spec, diagnostics = read({"stack.yaml": HEAD, "lock.yaml": local})
    assert messages(diagnostics) == []
    assert spec.lock is not None


def test_the_connection_string_variable_follows_the_env_policy(read: Reader) -> None:
    named = LOCK + "    connection_string_env: {name}\n"
    ok, diagnostics = read(
        {"stack.yaml": HEAD, "lock.yaml": named.format(name="AZURE_STORAGE_CONNECTION_STRING")}
    )
    assert messages(diagnostics) == []
    assert ok.lock is not None
    assert ok.lock.azure_blob.connection_string_env == "AZURE_STORAGE_CONNECTION_STRING"

    _, refused = read({"stack.yaml": HEAD, "lock.yaml": named.format(name="GITHUB_TOKEN")})
    assert messages(refused) == [
        "spec/lock.yaml:5:28: error: lock.azure_blob.connection_string_env: 'GITHUB_TOKEN' may not hold the connection string: name a variable starting AZURE_STORAGE_, or allow this one with --allow-env NAME"
    ]

    env = {"AZURE_SUBSCRIPTION_ID": SUB, "RECONCILER_ALLOW_ENV": "LOCK_STORAGE"}
    allowed, diagnostics = read(
        {"stack.yaml": HEAD, "lock.yaml": named.format(name="LOCK_STORAGE")}, env=env
    )
    assert messages(diagnostics) == []
    assert allowed.lock is not None


def test_the_account_url_may_come_from_an_allowed_variable(read: Reader) -> None:
    from_env = LOCK.replace("https://acme.blob.core.windows.net", "${env:RECONCILER_VAR_LOCK_URL}")
    env = {
        "AZURE_SUBSCRIPTION_ID": SUB,
        "RECONCILER_VAR_LOCK_URL": "https://acme.blob.core.windows.net",
    }
    spec, diagnostics = read({"stack.yaml": HEAD, "lock.yaml": from_env}, env=env)
    assert messages(diagnostics) == []
    assert spec.lock is not None
    assert spec.lock.azure_blob.account_url == "https://acme.blob.core.windows.net"

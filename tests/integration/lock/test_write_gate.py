"""The write gate, with the real SDKs over HTTPS: while a held lock's check refuses, no request
that changes Azure leaves this process, on either plane, and reads still go through. The
refusal leaves the SDK boundary as ``LockLostError``, never as a retryable connection error."""

from __future__ import annotations

import pytest

from reconciler.azure import write
from reconciler.azure.clients import Clients
from reconciler.azure.errors import mapped
from reconciler.azure.target import resolve_target
from reconciler.azure.write_gate import check_write, guarded
from reconciler.emulator.process import RunningEmulator
from reconciler.errors import LockLostError
from tests.integration.apply.apply_support import SUB1, Admin


def _refuse() -> None:
    raise LockLostError("not sent: the lock on stack gate was lost (test)")


def test_refused_writes_never_leave_and_reads_do(
    emulator: RunningEmulator, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR", str(emulator.data_dir))
    clients = Clients(resolve_target())
    arm = clients.arm(SUB1)
    data_plane = clients.data_plane(
        emulator.connection.account_endpoint("aoai-swc"),
        api_key_env=None,
        where="swc",
        tenant_id=None,
    )
    admin.clear_requests()
    try:
        with guarded(_refuse):
            assert isinstance(list(arm.deployments.list("rg-ft", "aoai-swc")), list)
            assert data_plane.files.list().data is not None
            with pytest.raises(LockLostError, match="was lost"):
                write.delete_deployment(arm, "rg-ft", "aoai-swc", "gated")
    finally:
        clients.close()
    methods = [method for method, _path in admin.requests()]
    assert "GET" in methods
    assert "DELETE" not in methods


def test_data_plane_writes_are_refused_as_lock_errors(
    emulator: RunningEmulator, admin: Admin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECONCILER_EMULATOR", str(emulator.data_dir))
    clients = Clients(resolve_target())
    data_plane = clients.data_plane(
        emulator.connection.account_endpoint("aoai-swc"),
        api_key_env=None,
        where="swc",
        tenant_id=None,
    )
    admin.clear_requests()
    try:
        upload = "upload gate.jsonl to aoai-swc"
        with guarded(_refuse), pytest.raises(LockLostError), mapped(upload):
            data_plane.files.create(file=("gate.jsonl", b"{}\n"), purpose="fine-tune")
    finally:
        clients.close()
    assert [r for r in admin.requests() if r[0] == "POST"] == []


def test_without_a_held_lock_nothing_is_checked() -> None:
    check_write("PUT")  # no guard registered: no effect
    with guarded(_refuse):
        check_write("GET")
        with pytest.raises(LockLostError):
            check_write("post")
    check_write("DELETE")

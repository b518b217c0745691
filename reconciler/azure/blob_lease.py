"""The stack lock's blob in Azure Storage: the azure-storage-blob calls, and their errors
translated to ``LockError``s that say which storage account and container, and what to do.

One blob per stack, ``<container>/<stack>.lock``, made (with its container, when the identity
may) on first use. Azure's Lease Blob operation gives the mutual exclusion: acquire answers
409 ``LeaseAlreadyPresent`` while another holds a lease; a lease lasts 15 to 60 seconds unless
renewed, so a crashed holder's lease ends by itself; release frees it at once. The holder
writes who it is into the blob's metadata (a leased blob takes metadata only with its lease id),
and whoever waits reads it from the blob's properties. (Learn: "Lease Blob", REST API reference
of Azure Storage; Blob service error codes.)

Credentials: a connection string (shared key; Azurite) from the variable the spec names, or
azure-identity. Neither ever reaches a message: errors carry the account, container, status and
Azure's error code, never the service's text or the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.storage.blob import BlobClient, BlobLeaseClient, BlobServiceClient, ContainerClient

from reconciler.azure.credentials import storage_credential
from reconciler.errors import AuthError, LockError
from reconciler.quoting import cut

ROLE = "Storage Blob Data Contributor"
# Lease answers meaning "this lease id no longer holds the blob" (409/412; Blob error codes).
_LEASE_GONE = frozenset(
    {
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseIsBrokenAndCannotBeRenewed",
        "LeaseIsBreakingAndCannotBeChanged",
        "LeaseNotPresentWithLeaseOperation",
        "LeaseNotPresentWithBlobOperation",
        "LeaseIdMismatchWithBlobOperation",
        "LeaseLost",
        "BlobNotFound",
        "ContainerNotFound",
    }
)
_BUSY = frozenset({"LeaseAlreadyPresent", "LeaseIsBreakingAndCannotBeAcquired"})
# Seconds: a renewal that hangs must fail well within a lease (15 s at the shortest).
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 8


class LeaseGone(LockError):
    """The lease this process held is no longer its own (broken, expired and taken, deleted)."""


class StorageUnavailable(LockError):
    """The storage account could not be asked (network, 5xx, timeout): try again shortly."""


class ConnectionStringRefused(LockError):
    """The connection string does not parse, or names another blob endpoint than the spec's
    ``account_url``: a spec (or CI variable) mistake, refused before any request."""

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message)
        self.key = key  # the lock.azure_blob field the caller places the message at


@dataclass(frozen=True)
class HolderRecord:
    """What a look at the lock blob shows: whether a lease is active, and the metadata."""

    leased: bool
    metadata: dict[str, str]


def _code(error: HttpResponseError) -> str:
    # azure-storage-blob sets `error_code` from the x-ms-error-code header
    code: Any = getattr(error, "error_code", None)
    code = getattr(code, "value", code)  # the SDK gives some codes as a StorageErrorCode enum
    return str(code) if code else ""


class LeaseBlob:
    """One stack's lock blob. Not thread-safe: its user serializes calls."""

    def __init__(
        self,
        account_url: str,
        container: str,
        blob_name: str,
        *,
        connection_string: str | None = None,
        connection_string_env: str | None = None,
    ) -> None:
        self.container_name = container
        self.blob_name = blob_name
        self._env = connection_string_env
        service = _service(account_url, connection_string, connection_string_env)
        self.account = service.account_name or account_url
        self._service = service
        self._container: ContainerClient = service.get_container_client(container)
        self._blob: BlobClient = self._container.get_blob_client(blob_name)
        self._container_checked = False

    @property
    def where(self) -> str:
        """``blob reconciler-locks/clippy.lock in storage account acme``."""
        return f"blob {self.container_name}/{self.blob_name} in storage account {self.account}"

    # -- the lease -------------------------------------------------------------------------

    def try_acquire(self, seconds: int) -> str | None:
        """A new lease of ``seconds`` on the blob (made when missing), or None while another
        holds one."""
        for _ in range(3):  # missing container, then missing blob, then the lease
            try:
                lease = self._blob.acquire_lease(lease_duration=seconds)
                return str(lease.id)
            except HttpResponseError as exc:
                code = _code(exc)
                if code in _BUSY:
                    return None
                if code == "ContainerNotFound" and not self._container_checked:
                    self._make_container()
                    continue
                if code == "BlobNotFound":
                    self._make_blob()
                    continue
                raise self._error(exc, "take a lease on") from None
            except (ServiceRequestError, ServiceResponseError, ClientAuthenticationError) as exc:
                raise self._error(exc, "take a lease on") from None
            except AuthError as exc:
                raise self._no_credential(exc) from None
        raise LockError(f"could not make {self.where} to lock on")

    def renew(self, lease_id: str) -> None:
        """Renew the lease; ``LeaseGone`` when it is no longer this one's, ``StorageUnavailable``
        when Azure could not be asked."""
        try:
            BlobLeaseClient(self._blob, lease_id=lease_id).renew()
        except HttpResponseError as exc:
            code = _code(exc)
            if code in _LEASE_GONE or exc.status_code in (404, 409, 412):
                raise LeaseGone(
                    f"the lease on {self.where} is no longer held by this apply ({code or 'HTTP '}"
                    f"{'' if code else exc.status_code}): it was broken, deleted, or it expired "
                    "and was taken by another run"
                ) from None
            raise self._error(exc, "renew the lease on") from None
        except (ServiceRequestError, ServiceResponseError, ClientAuthenticationError) as exc:
            raise self._error(exc, "renew the lease on") from None
        except AuthError as exc:
            raise self._no_credential(exc) from None

    def release(self, lease_id: str) -> None:
        """Clear the holder's metadata, then release the lease: the next one gets in at once."""
        lease = BlobLeaseClient(self._blob, lease_id=lease_id)
        try:
            # Cleared first so nobody shows a finished apply as the holder.
            self._blob.set_blob_metadata({}, lease=lease)
            lease.release()
        except HttpResponseError as exc:
            raise self._error(exc, "release the lease on") from None
        except (ServiceRequestError, ServiceResponseError, ClientAuthenticationError) as exc:
            raise self._error(exc, "release the lease on") from None
        except AuthError as exc:
            raise self._no_credential(exc) from None

    # -- who holds it ----------------------------------------------------------------------

    def write_holder(self, lease_id: str, metadata: dict[str, str]) -> None:
        try:
            lease = BlobLeaseClient(self._blob, lease_id=lease_id)
            self._blob.set_blob_metadata(metadata, lease=lease)
        except HttpResponseError as exc:
            raise self._error(exc, "write the holder into") from None
        except (ServiceRequestError, ServiceResponseError, ClientAuthenticationError) as exc:
            raise self._error(exc, "write the holder into") from None
        except AuthError as exc:
            raise self._no_credential(exc) from None

    def read_holder(self) -> HolderRecord:
        try:
            properties = self._blob.get_blob_properties()
        except HttpResponseError as exc:
            if _code(exc) == "BlobNotFound":
                return HolderRecord(False, {})
            raise self._error(exc, "read") from None
        except (ServiceRequestError, ServiceResponseError, ClientAuthenticationError) as exc:
            raise self._error(exc, "read") from None
        except AuthError as exc:
            raise self._no_credential(exc) from None
        metadata = {str(k).lower(): str(v) for k, v in (properties.metadata or {}).items()}
        return HolderRecord(str(properties.lease.state) == "leased", metadata)

    def close(self) -> None:
        self._service.close()

    # -- making what is missing ------------------------------------------------------------

    def _make_container(self) -> None:
        self._container_checked = True
        try:
            self._container.create_container()
        except ResourceExistsError:
            pass  # made by another runner meanwhile
        except HttpResponseError as exc:
            if exc.status_code == 403:
                raise LockError(
                    f"container {self.container_name} does not exist in storage account "
                    f"{self.account}, and this identity may not create it (403 {_code(exc)}): "
                    f'create it, or grant "{ROLE}" on the storage account'
                ) from None
            raise self._error(exc, "create the container of") from None

    def _make_blob(self) -> None:
        try:
            self._blob.upload_blob(b"", overwrite=False)
        except ResourceExistsError:
            pass  # made by another runner meanwhile
        except HttpResponseError as exc:
            raise self._error(exc, "create") from None

    # -- errors ----------------------------------------------------------------------------

    def _error(self, exc: Exception, doing: str) -> LockError:
        """A message naming the account, the container and what to do; never the service's
        text (it may quote the request) nor the credential."""
        what = f"cannot {doing} {self.where}"
        if isinstance(exc, ServiceRequestError | ServiceResponseError):
            return StorageUnavailable(
                f"{what}: {type(exc).__name__}: {cut(str(exc), 160)} (is the account URL "
                "right, and is the storage account reachable from here?)"
            )
        if isinstance(exc, ClientAuthenticationError) and exc.status_code is None:
            if self._env is not None:  # the SDK could not sign with the key: not base64
                return LockError(
                    f"{what}: the account key of the connection string in {self._env} cannot "
                    f"sign a request ({type(exc).__name__}); it must be the storage account's "
                    "base64 access key"
                )
            return LockError(f"{what}: no credential for Azure Storage ({type(exc).__name__})")
        assert isinstance(exc, HttpResponseError)
        status, code = exc.status_code, _code(exc)
        answered = f"{status} {code}".strip()
        if status in (401, 403) and code in ("AuthenticationFailed", "InvalidAuthenticationInfo"):
            return LockError(f"{what}: the credential was refused ({answered}); {self._check()}")
        if status in (401, 403):
            return LockError(
                f"{what}: access denied ({answered}). The identity running reconciler needs "
                f'the role "{ROLE}" on the container {self.container_name} (or on the storage '
                f"account {self.account}); {self._check()}, and that no firewall rule of the "
                "storage account keeps this runner out"
            )
        if status is not None and (status >= 500 or status == 408):
            return StorageUnavailable(f"{what}: the storage service answered {answered}")
        return LockError(f"{what}: the storage service answered {answered}")

    def _check(self) -> str:
        if self._env is not None:
            return f"check the account key of the connection string in {self._env}"
        return "check which identity azure-identity signs in as (az login, workload identity)"

    def _no_credential(self, exc: AuthError) -> LockError:
        return LockError(f"cannot lock on {self.where}: {exc}")


def _service(
    account_url: str, connection_string: str | None, variable: str | None
) -> BlobServiceClient:
    if connection_string is None:
        return BlobServiceClient(
            account_url,
            credential=storage_credential(),
            retry_total=0,
            connection_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )
    try:
        service = BlobServiceClient.from_connection_string(
            connection_string,
            retry_total=0,
            connection_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )
    except ValueError:
        raise ConnectionStringRefused(
            f"the storage connection string in {variable} is malformed (expected "
            "AccountName=…;AccountKey=…;BlobEndpoint=… or DefaultEndpointsProtocol=https;…)",
            key="connection_string_env",
        ) from None
    if _same_endpoint(service.url) != _same_endpoint(account_url):
        raise ConnectionStringRefused(
            f"lock.azure_blob.account_url is not the blob endpoint of the connection string in "
            f"{variable}: the lock would be taken in another storage account than the spec names",
            key="account_url",
        )
    return service


def _same_endpoint(url: str) -> str:
    return url.strip().rstrip("/").lower()

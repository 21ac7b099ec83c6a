"""The blob store: document bytes, once per content (sha256), behind one interface.

Two backends, chosen by the `blob_store` setting:

- `postgres` (default): the table `document_blobs`, written on the connection of the caller's
  unit of work, so the blob and the document row are committed together or not at all.
- `s3`: an S3-compatible object store (AWS S3, Ceph RGW, MinIO, S3Proxy, ...) for deployments
  that keep files out of the database. An object store cannot join the database transaction, so
  the order makes the row and the blob agree: the blob is written (and its write confirmed)
  *before* the row is inserted. A failed write raises, the transaction rolls back, no row
  exists. A transaction that fails after the write leaves an object no row points to: it is
  invisible (every read starts from a row) and harmless, because the key is the content's hash:
  a later delivery of the same bytes finds it and does not write again, and rewriting it would
  store the identical bytes. `S3BlobStore.orphans` lists such objects (older than a grace
  period, so a delivery still in its transaction is never counted) for a clean-up job.
  Documents are only ever soft-deleted, so no blob a row points to is ever removed.
"""

import base64
import contextlib
import hashlib
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

import asyncpg
from botocore.exceptions import BotoCoreError, ClientError
from ledgerline.service import Runtime

from ingest.config import IngestSettings


class BlobStore(Protocol):
    """Content-addressed bytes. `connection` is the caller's (in its transaction, if any): the
    PostgreSQL store writes and reads with it, an object store does not need it."""

    async def put(self, connection: asyncpg.Connection, sha256: str, content: bytes) -> None:
        """Stores `content` under its hash, unless it is there already (written once)."""

    async def put_many(self, connection: asyncpg.Connection, blobs: dict[str, bytes]) -> None:
        """`put` for each (hash, bytes) of a delivery."""

    async def get(self, connection: asyncpg.Connection, sha256: str) -> bytes | None:
        """The bytes stored under `sha256`, or None."""

    async def exists(self, connection: asyncpg.Connection, sha256: str) -> bool:
        """Whether bytes are stored under `sha256`."""


class BlobStoreUnavailable(RuntimeError):
    """The object store did not answer, or refused: nothing was stored (or read)."""


@contextlib.asynccontextmanager
async def _answering(bucket: str) -> AsyncIterator[None]:
    """Turns the S3 client's failures (other than a missing key) into BlobStoreUnavailable."""
    try:
        yield
    except ClientError as exc:
        raise BlobStoreUnavailable(f"the S3 bucket {bucket!r} refused: {exc}") from exc
    except BotoCoreError as exc:
        raise BlobStoreUnavailable(f"the S3 server did not answer: {exc}") from exc


class BlobMismatch(ValueError):
    """The bytes do not hash to the key they were to be stored under."""


def checked(sha256: str, content: bytes) -> None:
    """Refuses to store bytes under another content's key: the key is the promise of the store."""
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise BlobMismatch(f"the content hashes to {actual}, not {sha256}")


def object_key(prefix: str, sha256: str) -> str:
    """The object's key: under `prefix`, fanned out by the hash's first two hex digits (so a
    listing of one part stays small, and keys spread over an object store's partitions)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return f"{prefix}{sha256[:2]}/{sha256}"


def sha256_of_key(prefix: str, key: str) -> str | None:
    """The hash an object key stands for (None: not a blob key of this prefix)."""
    if not key.startswith(prefix):
        return None
    sha256 = key[len(prefix) :].rpartition("/")[2]
    try:
        return sha256 if object_key(prefix, sha256) == key else None
    except ValueError:
        return None


class PostgresBlobStore:
    """`document_blobs` in ingest's own database (the default)."""

    async def put(self, connection: asyncpg.Connection, sha256: str, content: bytes) -> None:
        checked(sha256, content)
        await connection.execute(
            "INSERT INTO document_blobs (sha256, content) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            sha256,
            content,
        )

    async def put_many(self, connection: asyncpg.Connection, blobs: dict[str, bytes]) -> None:
        for sha256, content in blobs.items():
            checked(sha256, content)
        # One statement for a whole delivery (bulk intake stores hundreds at once).
        await connection.execute(
            """INSERT INTO document_blobs (sha256, content)
            SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT DO NOTHING""",
            list(blobs),
            list(blobs.values()),
        )

    async def get(self, connection: asyncpg.Connection, sha256: str) -> bytes | None:
        return await connection.fetchval(  # type: ignore[no-any-return]
            "SELECT content FROM document_blobs WHERE sha256 = $1", sha256
        )

    async def exists(self, connection: asyncpg.Connection, sha256: str) -> bool:
        return bool(
            await connection.fetchval("SELECT 1 FROM document_blobs WHERE sha256 = $1", sha256)
        )


class S3BlobStore:
    """An S3-compatible bucket; `client` is an open aiobotocore S3 client."""

    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    async def put_many(self, connection: asyncpg.Connection, blobs: dict[str, bytes]) -> None:
        for sha256, content in blobs.items():
            await self.put(connection, sha256, content)

    async def put(self, connection: asyncpg.Connection, sha256: str, content: bytes) -> None:
        checked(sha256, content)
        if await self.exists(connection, sha256):
            return
        # Content-MD5 makes the server refuse bytes damaged on the way (S3 checks it).
        digest = hashlib.md5(content, usedforsecurity=False).digest()
        async with _answering(self.bucket):
            await self._client.put_object(
                Bucket=self.bucket,
                Key=object_key(self.prefix, sha256),
                Body=content,
                ContentMD5=base64.b64encode(digest).decode("ascii"),
                ContentType="application/octet-stream",
            )

    async def get(self, connection: asyncpg.Connection, sha256: str) -> bytes | None:
        async with _answering(self.bucket):
            try:
                response = await self._client.get_object(
                    Bucket=self.bucket, Key=object_key(self.prefix, sha256)
                )
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise
            async with response["Body"] as body:
                return cast(bytes, await body.read())

    async def exists(self, connection: asyncpg.Connection, sha256: str) -> bool:
        async with _answering(self.bucket):
            try:
                await self._client.head_object(
                    Bucket=self.bucket, Key=object_key(self.prefix, sha256)
                )
            except ClientError as exc:
                if _missing(exc):
                    return False
                raise
        return True

    async def orphans(
        self, connection: asyncpg.Connection, grace: timedelta = timedelta(hours=1)
    ) -> list[str]:
        """Keys of blobs no document row points to, written more than `grace` ago (a delivery
        whose transaction is still open has written its blob but not yet committed its row)."""
        cutoff = datetime.now(UTC) - grace
        candidates: dict[str, str] = {}
        paginator = self._client.get_paginator("list_objects_v2")
        async for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                sha256 = sha256_of_key(self.prefix, item["Key"])
                if sha256 is not None and item["LastModified"] < cutoff:
                    candidates[sha256] = item["Key"]
        if not candidates:
            return []
        referenced = await connection.fetch(
            "SELECT DISTINCT sha256 FROM documents WHERE sha256 = ANY($1::text[])",
            list(candidates),
        )
        for row in referenced:
            candidates.pop(row["sha256"], None)
        return sorted(candidates.values())


def _missing(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.get("Code") in ("404", "NoSuchKey", "NotFound") or status == 404


@contextlib.asynccontextmanager
async def open_s3_client(settings: IngestSettings) -> AsyncIterator[Any]:
    """An aiobotocore S3 client for the settings' endpoint and credentials (none given: the
    default AWS credential chain, e.g. a Kubernetes service account's web identity)."""
    # Imported here: aiobotocore takes seconds to import on a busy machine, and a service on
    # the PostgreSQL store (the default) should not pay that at every start.
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    secret = settings.s3_secret_access_key
    config = AioConfig(
        s3={"addressing_style": settings.s3_addressing_style},
        # Checksums only where S3 requires them: the newer default (CRC32 trailers on every
        # upload) is not understood by every S3-compatible server; Content-MD5 covers uploads.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )
    async with get_session().create_client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
        config=config,
    ) as client:
        yield client


async def ensure_bucket(client: Any, bucket: str, create: bool) -> None:
    """Checks that the bucket is there (creates it when `create`); a clear error otherwise, at
    start-up rather than on the first delivery."""
    try:
        await client.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if not _missing(exc) or not create:
            raise RuntimeError(
                f"the S3 bucket {bucket!r} is not usable: {exc} "
                "(create it, or set INGEST_S3_CREATE_BUCKET=true)"
            ) from exc
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        await client.create_bucket(Bucket=bucket)


_stores: "weakref.WeakKeyDictionary[Runtime, BlobStore]" = weakref.WeakKeyDictionary()


def blob_store(runtime: Runtime) -> BlobStore:
    """The blob store of this running service (opened by `blob_store_server`)."""
    try:
        return _stores[runtime]
    except KeyError:
        raise RuntimeError(
            "the blob store is not open: ingest's servers have not started"
        ) from None


def blob_store_for(settings: IngestSettings) -> BlobStore:
    """The open blob store of the running service with these settings: for event handlers,
    which get the settings, not the runtime."""
    for runtime, store in _stores.items():
        if runtime.settings is settings:
            return store
    raise RuntimeError("the blob store is not open: ingest's servers have not started")


@contextlib.asynccontextmanager
async def blob_store_server(runtime: Runtime) -> AsyncIterator[BlobStore]:
    """Opens the configured blob store for as long as the service runs."""
    settings = cast(IngestSettings, runtime.settings)
    if settings.blob_store == "postgres":
        store: BlobStore = PostgresBlobStore()
        _stores[runtime] = store
        try:
            yield store
        finally:
            _stores.pop(runtime, None)
        return
    assert settings.s3_bucket is not None  # the settings refuse `s3` without a bucket
    async with open_s3_client(settings) as client:
        await ensure_bucket(client, settings.s3_bucket, settings.s3_create_bucket)
        store = S3BlobStore(client, settings.s3_bucket, settings.s3_prefix)
        _stores[runtime] = store
        try:
            yield store
        finally:
            _stores.pop(runtime, None)

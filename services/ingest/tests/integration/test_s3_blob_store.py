"""The S3 blob store against a real S3-compatible server (S3Proxy, started by the `s3_server`
fixture as a process of its own, over HTTP): put / get / exists, the same content stored once,
a missing bucket refused at start-up, and uploads (single, bulk) and merges through ingest's API
landing in the bucket, not in PostgreSQL, and downloaded from it."""

import base64
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from ingest.adapters.blobs import (
    BlobMismatch,
    S3BlobStore,
    ensure_bucket,
    object_key,
    open_s3_client,
)
from ingest.config import IngestSettings
from ledgerline.auth import Role
from ledgerline.devstack.s3 import S3Server
from pypdf import PdfReader, PdfWriter

pytestmark = [pytest.mark.integration]


def s3_settings(server: S3Server, bucket: str, **values: Any) -> dict[str, Any]:
    return {
        "blob_store": "s3",
        "s3_endpoint_url": server.endpoint_url,
        "s3_bucket": bucket,
        "s3_access_key_id": server.access_key,
        "s3_secret_access_key": server.secret_key,
        "s3_create_bucket": True,
        **values,
    }


def pdf(text: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})  # different bytes per text
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def keys(client: Any, bucket: str) -> list[str]:
    """The blob keys in the bucket (S3Proxy's filesystem backend also lists its folders)."""
    listed = await client.list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", []) if not item["Key"].endswith("/")]


@pytest.fixture
async def s3(s3_server: S3Server) -> AsyncIterator[tuple[S3BlobStore, Any]]:
    bucket = f"blobs-{uuid.uuid4().hex[:12]}"
    settings = IngestSettings(  # type: ignore[call-arg]
        database_url="postgresql://nobody@127.0.0.1:1/unused", **s3_settings(s3_server, bucket)
    )
    async with open_s3_client(settings) as client:
        await ensure_bucket(client, bucket, create=True)
        yield S3BlobStore(client, bucket, "documents/"), client


async def test_put_get_exists_and_the_same_content_is_stored_once(
    s3: tuple[S3BlobStore, Any],
) -> None:
    store, client = s3
    content = pdf("once")
    sha256 = hashlib.sha256(content).hexdigest()
    assert not await store.exists(None, sha256)  # type: ignore[arg-type]
    assert await store.get(None, sha256) is None  # type: ignore[arg-type]

    await store.put(None, sha256, content)  # type: ignore[arg-type]
    await store.put(None, sha256, content)  # type: ignore[arg-type]

    assert await store.exists(None, sha256)  # type: ignore[arg-type]
    assert await store.get(None, sha256) == content  # type: ignore[arg-type]
    assert await keys(client, store.bucket) == [object_key("documents/", sha256)]


async def test_bytes_that_do_not_hash_to_the_key_are_refused_and_nothing_is_written(
    s3: tuple[S3BlobStore, Any],
) -> None:
    store, client = s3
    wrong = hashlib.sha256(b"something else").hexdigest()
    with pytest.raises(BlobMismatch):
        await store.put(None, wrong, pdf("mismatch"))  # type: ignore[arg-type]
    assert await keys(client, store.bucket) == []


async def test_a_missing_bucket_is_refused_at_start_up_unless_it_may_be_created(
    s3_server: S3Server,
) -> None:
    bucket = f"absent-{uuid.uuid4().hex[:12]}"
    settings = IngestSettings(  # type: ignore[call-arg]
        database_url="postgresql://nobody@127.0.0.1:1/unused", **s3_settings(s3_server, bucket)
    )
    async with open_s3_client(settings) as client:
        with pytest.raises(RuntimeError, match=f"the S3 bucket '{bucket}' is not usable"):
            await ensure_bucket(client, bucket, create=False)
        await ensure_bucket(client, bucket, create=True)
        await client.head_bucket(Bucket=bucket)  # there now


async def test_an_upload_is_stored_in_the_bucket_and_served_from_it(
    ingest_app: Any, s3_server: S3Server
) -> None:
    bucket = f"ingest-{uuid.uuid4().hex[:12]}"
    content = pdf("upload")
    sha256 = hashlib.sha256(content).hexdigest()
    async with ingest_app(**s3_settings(s3_server, bucket)) as ingest:
        url = f"/dossiers/{ingest.dossier}/documents"
        headers = ingest.headers(Role.CLIENT_DOCUMENT_DELIVERY)
        first = await ingest.http.post(
            url, files={"file": ("factuur.pdf", content, "application/pdf")}, headers=headers
        )
        second = await ingest.http.post(
            url, files={"file": ("kopie.pdf", content, "application/pdf")}, headers=headers
        )
        assert first.status_code == 201, first.text
        assert second.status_code == 201, second.text
        assert second.json()["duplicate_of"] == first.json()["id"]

        # The bytes are in the bucket, once, and not in PostgreSQL.
        settings = IngestSettings(  # type: ignore[call-arg]
            database_url="postgresql://nobody@127.0.0.1:1/unused",
            **s3_settings(s3_server, bucket),
        )
        async with open_s3_client(settings) as client:
            assert await keys(client, bucket) == [object_key("documents/", sha256)]
            stored = await client.get_object(Bucket=bucket, Key=object_key("documents/", sha256))
            async with stored["Body"] as body:
                assert await body.read() == content
            store = S3BlobStore(client, bucket, "documents/")
            async with ingest.pool.acquire() as connection:
                assert await connection.fetchval("SELECT count(*) FROM document_blobs") == 0
                assert (
                    await connection.fetchval(
                        "SELECT count(*) FROM documents WHERE sha256 = $1", sha256
                    )
                    == 2
                )
                # Referenced by rows: not an orphan, however old.
                assert await store.orphans(connection, grace=timedelta(0)) == []

            # A blob whose transaction never committed its row is an orphan, listed for clean-up.
            lost = pdf("rolled back")
            lost_sha256 = hashlib.sha256(lost).hexdigest()
            await store.put(None, lost_sha256, lost)  # type: ignore[arg-type]
            async with ingest.pool.acquire() as connection:
                assert await store.orphans(connection, grace=timedelta(0)) == [
                    object_key("documents/", lost_sha256)
                ]
                assert await store.orphans(connection, grace=timedelta(hours=1)) == []

        for document in (first.json(), second.json()):
            served = await ingest.http.get(
                f"{url}/{document['id']}/content", headers=ingest.headers(Role.EMPLOYEE)
            )
            assert served.status_code == 200
            assert served.content == content


async def test_by_default_the_bytes_stay_in_postgresql_with_the_row(ingest_app: Any) -> None:
    content = pdf("postgres")
    async with ingest_app() as ingest:
        url = f"/dossiers/{ingest.dossier}/documents"
        stored = await ingest.http.post(
            url,
            files={"file": ("factuur.pdf", content, "application/pdf")},
            headers=ingest.headers(Role.CLIENT_DOCUMENT_DELIVERY),
        )
        assert stored.status_code == 201, stored.text
        assert (
            await ingest.pool.fetchval(
                "SELECT content FROM document_blobs WHERE sha256 = $1", stored.json()["sha256"]
            )
            == content
        )
        served = await ingest.http.get(
            f"{url}/{stored.json()['id']}/content", headers=ingest.headers(Role.EMPLOYEE)
        )
        assert served.status_code == 200
        assert served.content == content


async def test_when_the_bucket_is_gone_an_upload_is_refused_with_503_and_stores_no_row(
    ingest_app: Any, s3_server: S3Server
) -> None:
    bucket = f"gone-{uuid.uuid4().hex[:12]}"
    async with ingest_app(**s3_settings(s3_server, bucket)) as ingest:
        settings = IngestSettings(  # type: ignore[call-arg]
            database_url="postgresql://nobody@127.0.0.1:1/unused",
            **s3_settings(s3_server, bucket),
        )
        async with open_s3_client(settings) as client:
            await client.delete_bucket(Bucket=bucket)  # after start-up: the store fails
        refused = await ingest.http.post(
            f"/dossiers/{ingest.dossier}/documents",
            files={"file": ("factuur.pdf", pdf("no bucket"), "application/pdf")},
            headers=ingest.headers(Role.CLIENT_DOCUMENT_DELIVERY),
        )
        assert refused.status_code == 503, refused.text
        assert refused.json()["detail"] == (
            "the document store is unavailable; nothing was stored, try again later"
        )
        assert await ingest.pool.fetchval("SELECT count(*) FROM documents") == 0
        assert await ingest.pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_bulk_delivery_and_a_merge_go_through_the_bucket(
    ingest_app: Any, s3_server: S3Server
) -> None:
    """The batched delivery (bulk intake: `put_many`) writes to the bucket; a merge reads its
    sources from it and writes its result there; each is downloaded through the API."""
    bucket = f"bulk-{uuid.uuid4().hex[:12]}"
    first, second = pdf("bulk one"), pdf("bulk two")
    async with ingest_app(**s3_settings(s3_server, bucket)) as ingest:
        base = f"/dossiers/{ingest.dossier}/documents"
        headers = ingest.headers(Role.ADMIN)
        delivered = await ingest.http.post(
            f"{base}/bulk",
            json={
                "channel": "api",
                "documents": [
                    {
                        "key": f"s3-{uuid.uuid4()}",
                        "filename": name,
                        "content": base64.b64encode(content).decode(),
                    }
                    for name, content in (("one.pdf", first), ("two.pdf", second))
                ],
            },
            headers=headers,
        )
        assert delivered.status_code == 201, delivered.text
        one, two = (item["document"] for item in delivered.json()["documents"])
        merged = await ingest.http.post(
            f"{base}/merge", json={"document_ids": [two["id"], one["id"]]}, headers=headers
        )
        assert merged.status_code == 201, merged.text
        served = await ingest.http.get(f"{base}/{merged.json()['id']}/content", headers=headers)
        assert served.status_code == 200
        assert hashlib.sha256(served.content).hexdigest() == merged.json()["sha256"]
        assert len(PdfReader(io.BytesIO(served.content)).pages) == 2
        for document, content in ((one, first), (two, second)):
            source = await ingest.http.get(f"{base}/{document['id']}/content", headers=headers)
            assert source.content == content

        settings = IngestSettings(  # type: ignore[call-arg]
            database_url="postgresql://nobody@127.0.0.1:1/unused",
            **s3_settings(s3_server, bucket),
        )
        async with open_s3_client(settings) as client:
            assert sorted(await keys(client, bucket)) == sorted(
                object_key("documents/", sha256)
                for sha256 in (one["sha256"], two["sha256"], merged.json()["sha256"])
            )
        assert await ingest.pool.fetchval("SELECT count(*) FROM document_blobs") == 0

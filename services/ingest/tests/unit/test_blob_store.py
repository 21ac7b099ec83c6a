"""The blob store's keys and its settings (the S3 backend against a real server: the
integration test test_s3_blob_store.py)."""

import hashlib

import pytest
from ingest.adapters.blobs import BlobMismatch, checked, object_key, sha256_of_key
from ingest.config import IngestSettings
from pydantic import ValidationError

SHA = hashlib.sha256(b"invoice").hexdigest()


def test_an_object_key_is_the_prefix_a_two_digit_fan_out_and_the_hash() -> None:
    assert object_key("documents/", SHA) == f"documents/{SHA[:2]}/{SHA}"
    assert sha256_of_key("documents/", object_key("documents/", SHA)) == SHA


@pytest.mark.parametrize(
    "key",
    [
        "documents/",
        f"documents/{SHA[:2]}/",
        f"other/{SHA[:2]}/{SHA}",
        f"documents/00/{SHA}",
        "documents/ab/not-a-hash",
    ],
)
def test_keys_that_are_not_blobs_of_the_prefix_are_not_taken_for_blobs(key: str) -> None:
    assert sha256_of_key("documents/", key) is None


@pytest.mark.parametrize("sha256", ["", SHA.upper(), SHA[:-1], "../" + SHA[3:]])
def test_only_a_lowercase_hex_sha256_names_an_object(sha256: str) -> None:
    with pytest.raises(ValueError, match="not a lowercase hex sha256"):
        object_key("documents/", sha256)


def test_bytes_are_only_stored_under_their_own_hash() -> None:
    checked(SHA, b"invoice")
    with pytest.raises(BlobMismatch, match=f"not {SHA}"):
        checked(SHA, b"another invoice")


def test_the_s3_store_needs_a_bucket() -> None:
    with pytest.raises(ValidationError, match="blob_store s3 needs s3_bucket"):
        IngestSettings(database_url="postgresql://x@127.0.0.1:1/x", blob_store="s3")  # type: ignore[call-arg]


def test_postgresql_is_the_default_store_and_s3_is_chosen_by_settings() -> None:
    assert IngestSettings(database_url="postgresql://x@127.0.0.1:1/x").blob_store == "postgres"  # type: ignore[call-arg]
    chosen = IngestSettings(  # type: ignore[call-arg]
        database_url="postgresql://x@127.0.0.1:1/x", blob_store="s3", s3_bucket="documents"
    )
    assert (chosen.blob_store, chosen.s3_bucket, chosen.s3_prefix) == (
        "s3",
        "documents",
        "documents/",
    )

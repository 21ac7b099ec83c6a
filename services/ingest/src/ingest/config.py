from typing import Literal, Self

from ledgerline.settings import ServiceSettings
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from ingest.domain.documents import Limits


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    public_base_url: str = Field(
        default="http://127.0.0.1:8001", description="How other services reach ingest"
    )
    max_document_bytes: int = Field(
        default=25 * 1024 * 1024,
        description="Largest accepted document (any channel), 25 MiB by default",
    )
    smtp_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Port of the e-mail intake (SMTP) server; unset: no e-mail intake",
    )
    smtp_host: str = Field(default="127.0.0.1", description="Address the SMTP server listens on")
    smtp_hostname: str = Field(
        default="ingest.ledgerline.local",
        description="The name the SMTP server greets with (the MX host of the dossiers' domain)",
    )
    smtp_max_message_bytes: int = Field(
        default=35 * 1024 * 1024,
        gt=0,
        description="Largest mail accepted (advertised as SIZE; base64 makes attachments ~4/3 larger)",
    )
    smtp_tls_cert_file: str | None = Field(
        default=None,
        description="PEM certificate (chain) for STARTTLS on the SMTP intake; unset: no STARTTLS",
    )
    smtp_tls_key_file: str | None = Field(
        default=None, description="PEM private key of `smtp_tls_cert_file`"
    )
    smtp_require_tls: bool = Field(
        default=False,
        description="With a certificate: refuse MAIL before STARTTLS (530). Off by default: "
        "sending servers that cannot do TLS would lose mail",
    )
    max_pdf_pages: int = Field(
        default=200, ge=1, description="Most pages a PDF may have (refused with 422 above)"
    )
    max_image_pixels: int = Field(
        default=100_000_000,
        ge=1,
        description="Most pixels an image may have (width x height, read from its header)",
    )
    max_pdf_inflated_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1,
        description="Most bytes the compressed (Flate) streams of one PDF may inflate to, "
        "together; a PDF beyond it is refused as a decompression bomb (422 / SMTP 554)",
    )
    max_zip_unpacked_bytes: int = Field(
        default=100 * 1024 * 1024,
        ge=1,
        description="Most bytes the files of one uploaded ZIP archive may unpack to, together",
    )
    max_files_per_upload: int = Field(
        default=20, ge=1, le=200, description="Most files one multipart upload may carry"
    )

    blob_store: Literal["postgres", "s3"] = Field(
        default="postgres",
        description="Where document files are kept: `postgres` (ingest's database, the default) "
        "or `s3` (an S3-compatible object store, see the s3_* settings)",
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="The S3-compatible server, e.g. http://minio.storage:9000; unset: AWS S3",
    )
    s3_bucket: str | None = Field(default=None, description="Bucket of the document files (s3)")
    s3_prefix: str = Field(
        default="documents/", description="Key prefix of the document files in the bucket"
    )
    s3_region: str = Field(default="us-east-1", description="Region of the bucket")
    s3_access_key_id: str | None = Field(
        default=None,
        description="Access key; unset: the default AWS credential chain (environment, "
        "web identity of a Kubernetes service account, instance profile)",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None, description="Secret of `s3_access_key_id`"
    )
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="path",
        description="Bucket in the path (most S3-compatible servers) or in the host name",
    )
    s3_create_bucket: bool = Field(
        default=False,
        description="Create the bucket at start-up when it is missing (else: refuse to start)",
    )

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Self:
        if self.blob_store == "s3" and not self.s3_bucket:
            raise ValueError("blob_store s3 needs s3_bucket (INGEST_S3_BUCKET)")
        return self

    max_documents_per_bulk: int = Field(
        default=1000,
        ge=1,
        le=10_000,
        description="Most documents one bulk intake request (POST .../documents/bulk) may carry",
    )
    max_bulk_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1,
        description="Largest bulk intake request body (JSON, base64 content included)",
    )
    event_content_max_bytes: int = Field(
        default=64 * 1024,
        ge=0,
        le=512 * 1024,
        description="Files up to this size travel in their document.received.v1 "
        "(`content_base64`), so recognition reads them without fetching them from ingest "
        "(a GET per document, ~3 ms of CPU across ingest, recognition and PostgreSQL, and "
        "the wait for ingest's answer); 0: never. Kept well under the claim-check limit "
        "(`LEDGERLINE_EVENT_DATA_MAX_INLINE_BYTES`), above which the event would travel as a "
        "dataref and be fetched anyway",
    )

    def limits(self) -> "Limits":
        """What every channel checks each file against."""
        return Limits(
            self.max_document_bytes,
            self.max_pdf_pages,
            self.max_image_pixels,
            self.max_pdf_inflated_bytes,
        )

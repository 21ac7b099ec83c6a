"""STARTTLS on the e-mail intake: the real SMTP server of ingest on a real socket, with a
self-signed certificate made here, and `smtplib` as the sending server.

EHLO, STARTTLS and MAIL never reach the database, so the runtime handed to the server carries
only its settings; storing mail over TLS is the same DATA path the e2e tests cover.
"""

import asyncio
import datetime
import ipaddress
import smtplib
import ssl
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from ingest.config import IngestSettings
from ingest.entrypoints.smtp import smtp_server

HOST = "ingest.ledgerline.local"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def settings(**values: Any) -> IngestSettings:
    return IngestSettings(  # type: ignore[call-arg]
        database_url="postgresql://nobody@127.0.0.1:1/unused",
        smtp_port=0,
        smtp_hostname=HOST,
        **values,
    )


async def talk(configured: IngestSettings, conversation: Any) -> Any:
    async with smtp_server(SimpleNamespace(settings=configured)) as server:  # type: ignore[arg-type]
        port = server.sockets[0].getsockname()[1]
        return await asyncio.to_thread(conversation, port)


async def test_starttls_is_offered_and_negotiated_with_the_configured_certificate(
    tmp_path: Path,
) -> None:
    cert_file, key_file = self_signed(tmp_path)
    client = ssl.create_default_context(cafile=str(cert_file))

    def conversation(port: int) -> tuple[bool, str | None, bool]:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.ehlo()
            offered = smtp.has_extn("starttls")
            smtp.starttls(context=client)  # checks the certificate against 127.0.0.1
            version = smtp.sock.version()  # type: ignore[union-attr]
            smtp.ehlo()
            return offered, version, smtp.has_extn("starttls")

    configured = settings(smtp_tls_cert_file=str(cert_file), smtp_tls_key_file=str(key_file))
    offered, version, offered_again = await talk(configured, conversation)
    assert offered and version in ("TLSv1.2", "TLSv1.3")
    assert not offered_again  # once on TLS, STARTTLS is no longer offered


async def test_with_tls_required_mail_before_starttls_is_refused(tmp_path: Path) -> None:
    cert_file, key_file = self_signed(tmp_path)

    def conversation(port: int) -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.ehlo()
            return smtp.mail("a@b.example")

    configured = settings(
        smtp_tls_cert_file=str(cert_file), smtp_tls_key_file=str(key_file), smtp_require_tls=True
    )
    code, text = await talk(configured, conversation)
    assert code == 530 and b"STARTTLS" in text


async def test_without_a_certificate_no_starttls_and_half_a_configuration_is_refused(
    tmp_path: Path,
) -> None:
    def conversation(port: int) -> bool:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.ehlo()
            return smtp.has_extn("starttls")

    assert await talk(settings(), conversation) is False
    cert_file, _ = self_signed(tmp_path)
    with pytest.raises(ValueError, match="needs both"):
        await talk(settings(smtp_tls_cert_file=str(cert_file)), conversation)

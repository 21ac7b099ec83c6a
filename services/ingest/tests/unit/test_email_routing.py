"""Which mailbox a mail address delivers to, who may send, and what of a mail is a document."""

import io
from email.message import EmailMessage

import pytest
from ingest.domain.documents import Limits
from ingest.domain.email import (
    JournalCopy,
    Route,
    addressable_journals,
    addresses_of,
    attachments_of,
    journal_address,
    journal_of,
    normalise_whitelist_entry,
    refusal,
    routes_for,
    sender_allowed,
    sender_of,
)
from pypdf import PdfWriter


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _pdf()
UBL = b'<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>'


@pytest.mark.parametrize(
    ("address", "first"),
    [
        (
            "aankoop-0400000185@sandbox.clearfacts.be",
            Route("0400000185", "sandbox.clearfacts.be", "purchase"),
        ),
        (
            "verkoop-0400000185@sandbox.clearfacts.be",
            Route("0400000185", "sandbox.clearfacts.be", "sales"),
        ),
        (
            "divers-0400000185@sandbox.clearfacts.be",
            Route("0400000185", "sandbox.clearfacts.be", "misc"),
        ),
        (
            "0400000185@sandbox.clearfacts.be",
            Route("0400000185", "sandbox.clearfacts.be", "purchase"),
        ),
        (
            "<Aankoop-PEETERS-01@Docs.Ledgerline.Local.>",
            Route("peeters-01", "docs.ledgerline.local", "purchase"),
        ),
    ],
)
def test_an_address_reads_as_its_dossier_code_and_mailbox(address: str, first: Route) -> None:
    # A journal's own address (aankoop-<journal>-<code>@) is read first where there is a hyphen;
    # the mailbox readings follow unchanged.
    assert next(route for route in routes_for(address) if route.journal is None) == first


def test_a_hyphenated_purchase_or_sales_address_reads_first_as_a_journal_address() -> None:
    assert routes_for("Aankoop-CFAAN2-Peeters-01@d.be") == [
        Route("peeters-01", "d.be", "purchase", "cfaan2"),
        Route("01", "d.be", "purchase", "cfaan2-peeters"),
        Route("cfaan2-peeters-01", "d.be", "purchase"),
        Route("aankoop-cfaan2-peeters-01", "d.be", "purchase"),
    ]
    assert routes_for("verkoop-vk2-x@d.be")[0] == Route("x", "d.be", "sales", "vk2")
    # misc documents have no journal addresses
    assert all(route.journal is None for route in routes_for("divers-d2-x@d.be"))


JOURNALS = [
    JournalCopy("CFAAN", "purchase"),
    JournalCopy("CFAAN2", "purchase"),
    JournalCopy("CFCNAK", "purchase", credit_note_only=True),
    JournalCopy("CFVER", "sales"),
    JournalCopy("CFCNVK", "sales", credit_note_only=True),
]


def test_journals_get_addresses_only_where_the_dossier_has_several_of_a_type() -> None:
    # two purchase (invoice) journals; one sales journal besides its credit-note journal
    assert addressable_journals(JOURNALS) == {"purchase": ["CFAAN", "CFAAN2"]}
    # "VK 2" makes two sales journals, but cannot be written in an address (a space)
    assert addressable_journals([*JOURNALS, JournalCopy("VK 2", "sales")]) == {
        "purchase": ["CFAAN", "CFAAN2"],
        "sales": ["CFVER"],
    }
    assert addressable_journals(JOURNALS[:1] + JOURNALS[2:]) == {}
    assert journal_address("CFAAN2", "purchase", "PEETERS", "d.be") == (
        "aankoop-cfaan2-peeters@d.be"
    )


def test_a_journal_reading_names_a_journal_with_an_address_or_none() -> None:
    cfaan2, *_ = routes_for("aankoop-cfaan2-peeters@d.be")
    assert journal_of(cfaan2, JOURNALS) == "CFAAN2"  # as the books spell it
    unknown, *_ = routes_for("aankoop-cfaan9-peeters@d.be")
    assert journal_of(unknown, JOURNALS) is None
    credit, *_ = routes_for("aankoop-cfcnak-peeters@d.be")
    assert journal_of(credit, JOURNALS) is None  # credit-note-only: no address
    sales, *_ = routes_for("verkoop-cfver-peeters@d.be")
    assert journal_of(sales, JOURNALS) is None  # the only sales journal: no address
    assert journal_of(Route("peeters", "d.be", "purchase"), JOURNALS) is None


def test_a_prefixed_address_may_also_be_the_unique_address_of_a_code_with_that_prefix() -> None:
    assert routes_for("aankoop-x@d.be") == [  # no hyphen after the prefix: no journal reading
        Route("x", "d.be", "purchase"),
        Route("aankoop-x", "d.be", "purchase"),
    ]


@pytest.mark.parametrize("address", ["", "nobody", "@d.be", "x@", "aankoop-@"])
def test_an_address_without_local_part_or_domain_reads_as_nothing(address: str) -> None:
    assert routes_for(address) == []


def test_the_prefix_alone_is_a_code_not_an_empty_one() -> None:
    assert routes_for("aankoop-@d.be") == [Route("aankoop-", "d.be", "purchase")]


def test_a_dossier_has_four_addresses() -> None:
    assert addresses_of("PEETERS", "docs.example") == {
        "unique": "peeters@docs.example",
        "purchase": "aankoop-peeters@docs.example",
        "sales": "verkoop-peeters@docs.example",
        "misc": "divers-peeters@docs.example",
    }


@pytest.mark.parametrize(
    ("entry", "kept"),
    [
        ("Facturen@Supplier.be ", "facturen@supplier.be"),
        ("supplier.be", "supplier.be"),
        ("@supplier.be", "supplier.be"),
    ],
)
def test_whitelist_entries_are_addresses_or_domains(entry: str, kept: str) -> None:
    assert normalise_whitelist_entry(entry) == kept


@pytest.mark.parametrize("entry", ["", "supplier", "a b@c.be", "x@@c.be", "@", "@localhost"])
def test_other_whitelist_entries_are_refused_with_a_reason(entry: str) -> None:
    with pytest.raises(ValueError, match="neither an e-mail address nor a domain"):
        normalise_whitelist_entry(entry)


def test_a_sender_is_allowed_by_address_or_by_domain() -> None:
    whitelist = ["facturen@supplier.be", "energie.example"]
    assert sender_allowed("Facturen@supplier.be", whitelist)
    assert sender_allowed("<billing@energie.example>", whitelist)
    assert not sender_allowed("other@supplier.be", whitelist)
    assert not sender_allowed("x@sub.energie.example", whitelist)
    assert not sender_allowed("", whitelist)  # a bounce (MAIL FROM:<>) is no listed sender


def _mail(*attachments: tuple[bytes, str, str, str]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Meelhandel <facturen@meelhandel.example>"
    message["Subject"] = "Factuur 2026-0042"
    message.set_content("Zie bijlage.")
    message.add_alternative("<p>Zie bijlage.</p>", subtype="html")
    for content, maintype, subtype, name in attachments:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message


def test_every_attachment_that_is_a_document_is_taken_and_the_text_is_not() -> None:
    message = _mail(
        (PDF, "application", "octet-stream", "a.pdf"),  # the declared type does not matter
        (UBL, "text", "xml", "b.xml"),
    )
    usable, skipped = attachments_of(message, Limits(1000, 200))
    assert [(a.filename, a.kind.content_type) for a in usable] == [
        ("a.pdf", "application/pdf"),
        ("b.xml", "application/xml"),
    ]
    assert skipped == []
    assert refusal(usable, skipped) is None


def test_a_mail_without_attachment_is_refused_with_a_reason() -> None:
    usable, skipped = attachments_of(_mail(), Limits(1000, 200))
    assert refusal(usable, skipped) == (
        "the message has no attachment; attach the invoice as a PDF, image or UBL/CII XML"
    )


def test_one_attachment_that_is_no_document_refuses_the_whole_mail() -> None:
    message = _mail(
        (PDF, "application", "pdf", "a.pdf"), (b"PK\x03\x04zip", "application", "zip", "b.zip")
    )
    usable, skipped = attachments_of(message, Limits(1000, 200))
    assert len(usable) == 1
    assert refusal(usable, skipped) == (
        "attachment b.zip is refused: the document is not a PDF, an image (PNG, JPEG, TIFF) or "
        "an XML file; nothing of this message was stored"
    )


def test_an_attachment_over_the_document_limit_refuses_the_mail() -> None:
    usable, skipped = attachments_of(_mail((PDF, "application", "pdf", "big.pdf")), Limits(10, 200))
    assert usable == []
    assert "big.pdf is refused: the document is" in (refusal(usable, skipped) or "")


def test_an_smime_signature_is_not_an_attachment() -> None:
    message = _mail((PDF, "application", "pdf", "a.pdf"))
    message.add_attachment(
        b"0\x82sig", maintype="application", subtype="pkcs7-signature", filename="smime.p7s"
    )
    usable, skipped = attachments_of(message, Limits(1000, 200))
    assert len(usable) == 1 and skipped == []


def test_the_sender_recorded_is_the_from_address_else_the_envelope_sender() -> None:
    assert sender_of(_mail(), "bounce@relay.example") == "facturen@meelhandel.example"
    assert sender_of(EmailMessage(), "bounce@relay.example") == "bounce@relay.example"


def test_a_corrupt_pdf_attachment_refuses_the_mail_with_a_text() -> None:
    # Before: the damaged PDF was taken as a document and the mail answered 250.
    broken = b"%PDF-1.7\n" + b"\x00garbage" * 100
    message = _mail((PDF, "application", "pdf", "a.pdf"), (broken, "application", "pdf", "b.pdf"))
    usable, skipped = attachments_of(message, Limits(10_000, 200))
    assert len(usable) == 1
    problem = refusal(usable, skipped) or ""
    assert problem.startswith("attachment b.pdf is refused: the PDF is damaged and cannot be read")
    assert problem.endswith("; nothing of this message was stored")

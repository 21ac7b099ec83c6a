from datetime import date
from decimal import Decimal

import pytest
from ledgerline.auth import Role
from worklist.domain.conversations import (
    PLACEHOLDERS,
    Addressing,
    AttachmentRefused,
    Audience,
    ConversationClosed,
    ConversationRefused,
    ConversationStatus,
    Participant,
    Reader,
    Side,
    TemplateInvalid,
    check_attachment,
    check_may_start,
    check_may_write,
    check_template,
    default_addressing,
    may_read,
    proposal_values,
    recipients,
    render_template,
    safe_filename,
)

EVERYONE = Addressing(Audience.EVERYONE)
TO_BEN = Addressing(Audience.USER, "Ben.Baker@bakkerij.example")
PDF = b"%PDF-1.7\n..."


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EMPLOYEE, Role.SUPPORT])
def test_the_office_reads_every_conversation(role: Role) -> None:
    reader = Reader("anna@office.example", role)
    assert may_read(reader, EVERYONE) and may_read(reader, TO_BEN)


@pytest.mark.parametrize(
    ("role", "reads_everyone"),
    [
        (Role.CLIENT_ADMINISTRATOR, True),
        (Role.CLIENT_FULL_ACCESS, True),
        (Role.CLIENT_DOCUMENT_PROCESSING, False),
        (Role.CLIENT_DOCUMENT_DELIVERY, False),
        (Role.CLIENT_FULL_FEEDBACK, False),
    ],
)
def test_a_client_reads_everyone_conversations_only_with_full_access(
    role: Role, reads_everyone: bool
) -> None:
    assert may_read(Reader("carl@bakkerij.example", role), EVERYONE) is reads_everyone


def test_a_private_conversation_is_read_by_its_user_only_whatever_the_case() -> None:
    assert may_read(Reader("ben.baker@BAKKERIJ.example", Role.CLIENT_DOCUMENT_DELIVERY), TO_BEN)
    assert not may_read(Reader("carl@bakkerij.example", Role.CLIENT_ADMINISTRATOR), TO_BEN)


def test_services_and_operators_read_nothing() -> None:
    assert not may_read(Reader("ingest", Role.SERVICE), EVERYONE)
    assert not may_read(Reader("ops", Role.OPERATOR), EVERYONE)


def test_who_may_start_what() -> None:
    check_may_start(Reader("anna@office.example", Role.SUPPORT), TO_BEN)
    check_may_start(Reader("ben.baker@bakkerij.example", Role.CLIENT_DOCUMENT_PROCESSING), TO_BEN)
    with pytest.raises(ConversationRefused, match="may not address everyone"):
        check_may_start(Reader("dora@bakkerij.example", Role.CLIENT_DOCUMENT_PROCESSING), EVERYONE)
    with pytest.raises(ConversationRefused, match="only address a conversation to themselves"):
        check_may_start(Reader("carl@bakkerij.example", Role.CLIENT_ADMINISTRATOR), TO_BEN)


def test_default_addressing_keeps_restricted_clients_private() -> None:
    assert default_addressing(Reader("a@o.example", Role.EMPLOYEE)) == EVERYONE
    assert default_addressing(Reader("c@b.example", Role.CLIENT_FULL_ACCESS)) == EVERYONE
    assert default_addressing(Reader("d@b.example", Role.CLIENT_DOCUMENT_DELIVERY)) == Addressing(
        Audience.USER, "d@b.example"
    )


def test_a_closed_conversation_takes_no_message() -> None:
    check_may_write(ConversationStatus.OPEN)
    with pytest.raises(ConversationClosed):
        check_may_write(ConversationStatus.CLOSED)


def test_addressing_names_the_user_exactly_when_private() -> None:
    with pytest.raises(ValueError):
        Addressing(Audience.USER)
    with pytest.raises(ValueError):
        Addressing(Audience.EVERYONE, "x@y.example")


# --- notifications ---------------------------------------------------------------------------

PARTICIPANTS = [
    Participant("anna@office.example", Side.OFFICE, Role.EMPLOYEE),
    Participant("piet@office.example", Side.OFFICE, Role.ADMIN),
    Participant("carl@bakkerij.example", Side.CLIENT, Role.CLIENT_ADMINISTRATOR),
    Participant("dora@bakkerij.example", Side.CLIENT, Role.CLIENT_DOCUMENT_DELIVERY),
    Participant("not-an-address", Side.CLIENT, Role.CLIENT_FULL_ACCESS),
]


def test_the_office_writing_mails_the_clients_who_may_read_it() -> None:
    author = Reader("anna@office.example", Role.EMPLOYEE)
    # dora may not read an everyone-conversation; the subject that is no address is skipped
    assert recipients(author, EVERYONE, PARTICIPANTS) == ["carl@bakkerij.example"]
    # a private one: only the addressed user, even before they took part
    assert recipients(author, TO_BEN, PARTICIPANTS) == ["Ben.Baker@bakkerij.example"]


def test_a_client_writing_mails_the_office_participants_but_not_themselves() -> None:
    author = Reader("CARL@bakkerij.example", Role.CLIENT_ADMINISTRATOR)
    assert recipients(author, EVERYONE, PARTICIPANTS) == [
        "anna@office.example",
        "piet@office.example",
    ]
    office_author = Reader("piet@office.example", Role.ADMIN)
    assert "piet@office.example" not in recipients(office_author, EVERYONE, PARTICIPANTS)


# --- attachments -----------------------------------------------------------------------------


def test_an_allowed_attachment_is_kept_with_a_safe_name() -> None:
    assert check_attachment(PDF, "../../etc/fac\x00tuur.pdf", "application/pdf", 100) == (
        "factuur.pdf",
        "application/pdf",
    )
    assert check_attachment(b"a;b\n1;2\n", "x.csv", "text/csv; charset=utf-8", 100) == (
        "x.csv",
        "text/csv",
    )


@pytest.mark.parametrize(
    ("content", "content_type", "message", "too_large"),
    [
        (PDF * 20, "application/pdf", "larger than 100 bytes", True),
        (b"", "application/pdf", "empty", False),
        (b"<html><script>", "text/html", "text/html is not allowed", False),
        (b"MZ\x90\x00", "application/pdf", "not application/pdf", False),
        (b"\xff\xfe\x00", "text/plain", "must be UTF-8", False),
        (PDF, None, "type none is not allowed", False),
    ],
)
def test_attachments_refused_say_why(
    content: bytes, content_type: str | None, message: str, too_large: bool
) -> None:
    with pytest.raises(AttachmentRefused, match=message) as refused:
        check_attachment(content, "f.bin", content_type, 100)
    assert refused.value.too_large is too_large
    assert str(refused.value).startswith("f.bin: ")


def test_safe_filename_keeps_the_extension_of_a_long_name() -> None:
    name = safe_filename("a" * 300 + ".pdf")
    assert len(name) == 200 and name.endswith(".pdf")
    assert safe_filename("  ") == "attachment"
    assert safe_filename('C:\\Users\\x\\"quote".pdf') == "quote.pdf"


# --- templates -------------------------------------------------------------------------------


def test_a_template_is_filled_with_values_as_they_are() -> None:
    subject, body = render_template(
        "Vraag over factuur {invoice_number}",
        "Beste {client_name},\nfactuur {invoice_number} van {counterparty_name}: {{bijlage}?",
        {
            "invoice_number": "2026/0042",
            "client_name": "Bakkerij {sender} ${x} __import__('os')",
            "counterparty_name": "Brouwerij Het Anker",
        },
    )
    assert subject == "Vraag over factuur 2026/0042"
    # values are never interpreted again: braces, dollars and code stay text
    assert body == (
        "Beste Bakkerij {sender} ${x} __import__('os'),\n"
        "factuur 2026/0042 van Brouwerij Het Anker: {bijlage}?"
    )


def test_dollar_signs_and_format_specs_are_plain_text() -> None:
    assert render_template("$client_name {{0}", "€ 12,50 $ }", {}) == (
        "$client_name {0}",
        "€ 12,50 $ }",
    )


@pytest.mark.parametrize(
    ("subject", "body", "message"),
    [
        ("Hallo {klant}", "", r"subject: unknown placeholder \{klant\}"),
        ("", "{client_name.__class__}", "body: a '{' at position 0 opens no placeholder"),
        ("", "x {0}", "body: a '{' at position 2"),
        ("", "{Client_Name}", "body: a '{' at position 0"),
    ],
)
def test_invalid_templates_name_the_field_and_the_placeholder(
    subject: str, body: str, message: str
) -> None:
    with pytest.raises(TemplateInvalid, match=message):
        check_template(subject, body)


def test_a_proposal_fills_the_invoice_placeholders_of_a_template() -> None:
    values = proposal_values(
        {
            "document_id": "d",
            "invoice_number": "F-77",
            "invoice_date": date(2026, 11, 20),
            "counterparty_name": "Brouwerij Het Anker",
            "currency": "EUR",
            "total_incl_vat": Decimal("1656.25"),
        }
    )
    assert values == {
        "invoice_number": "F-77",
        "invoice_date": "2026-11-20",
        "counterparty_name": "Brouwerij Het Anker",
        "total_incl_vat": "1656.25 EUR",
    }
    assert set(values) <= set(PLACEHOLDERS)
    assert render_template(
        "Factuur {invoice_number}", "{total_incl_vat} op {invoice_date}", values
    ) == (
        "Factuur F-77",
        "1656.25 EUR op 2026-11-20",
    )


def test_the_facts_a_proposal_lacks_fill_its_placeholders_with_nothing() -> None:
    values = proposal_values(
        {
            "invoice_number": None,
            "invoice_date": None,
            "counterparty_name": None,
            "currency": None,
            "total_incl_vat": Decimal("121.00"),
        }
    )
    assert values == {
        "invoice_number": "",
        "invoice_date": "",
        "counterparty_name": "",
        "total_incl_vat": "121.00",
    }
    assert (
        proposal_values(
            {
                "invoice_number": "F-1",
                "invoice_date": None,
                "counterparty_name": None,
                "currency": "EUR",
                "total_incl_vat": None,
            }
        )["total_incl_vat"]
        == ""
    )


def test_a_proposal_placeholder_without_a_proposal_is_named() -> None:
    with pytest.raises(TemplateInvalid, match=r"needs \{invoice_number\}"):
        render_template("{invoice_number}", "{client_name}", {"client_name": "Bakkerij"})

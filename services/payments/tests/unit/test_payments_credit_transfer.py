"""pain.001 credit transfer files: input validation, grouping, totals, remittance, XSD validity.

Produced files are checked against the XSDs of the repository's test data (tests/data/xsd),
parsed as a whole by lxml, independently of the streaming validator the product uses. Expected
totals and texts below are worked out by hand from the inputs.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from ledgerline.devstack.paths import given_testdata
from lxml import etree
from payments.domain.credit_transfer import (
    CreditTransferBatch,
    InvalidBatch,
    build_credit_transfer,
    effective_execution_date,
)
from payments.domain.xsd import XsdValidationError, validate_pain001

TODAY = date(2026, 1, 5)
FORMATS = ("pain.001.001.09", "pain.001.001.03")
XSD_DIR = given_testdata() / "xsd"


@cache
def given_schema(message_format: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"{message_format}.xsd")))


def assert_valid(content: bytes, message_format: str) -> etree._Element:
    """Whole-document validation against the given XSD; returns the root."""
    root = etree.fromstring(content)
    schema = given_schema(message_format)
    assert schema.validate(root), schema.error_log
    return root


def ns(message_format: str) -> dict[str, str]:
    return {"p": f"urn:iso:std:iso:20022:tech:xsd:{message_format}"}


def texts(root: etree._Element, path: str, message_format: str) -> list[str]:
    return [element.text for element in root.iterfind(path, ns(message_format))]


def payment(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "creditor": {"name": "Bakkerij Peeters", "iban": "BE68539007547034", "bic": "GKCCBEBB"},
        "amount": "100.00",
        "currency": "EUR",
        "execution_date": "2026-01-20",
        "remittance": {"type": "unstructured", "value": "Invoice 2026-001"},
    }
    base.update(changes)
    return base


def batch_data(*payments: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "debtor": {
            "name": "Fiduciaire Janssens BV",
            "iban": "BE71 0961 2345 6769",
            "bic": "GKCCBEBB",
            "address": {
                "street": "Kerkstraat",
                "building_number": "1",
                "postal_code": "2000",
                "town": "Antwerpen",
                "country": "BE",
            },
        },
        "batch_booking": True,
        "payments": list(payments) or [payment()],
    }
    data.update(changes)
    return data


def build(data: dict[str, Any], message_format: str = "pain.001.001.09", **kwargs: Any):
    batch = CreditTransferBatch.from_data(data)
    return build_credit_transfer(batch, today=TODAY, format=message_format, **kwargs)


def problems_of(data: dict[str, Any] | str) -> list[str]:
    with pytest.raises(InvalidBatch) as raised:
        if isinstance(data, str):
            CreditTransferBatch.from_json(data)
        else:
            CreditTransferBatch.from_data(data)
    return raised.value.problems


# --- valid files ---------------------------------------------------------------------------


@pytest.mark.parametrize("message_format", FORMATS)
def test_file_with_every_feature_validates_against_the_given_xsd(message_format: str) -> None:
    data = batch_data(
        payment(
            creditor={
                "name": "Müller Logistik GmbH",
                "iban": "DE89370400440532013000",
                "bic": "COBADEFFXXX",
                "address": {
                    "street": "Hauptstraße",
                    "building_number": "5",
                    "postal_code": "50667",
                    "town": "Köln",
                    "country": "DE",
                },
            },
            remittance={"type": "structured", "value": "+++010/8068/17183+++"},
        ),
        payment(
            creditor={
                "name": "Café De Kroon",
                "iban": "NL91ABNA0417164300",
                "address": {"town": "Utrecht", "country": "nl"},
            },
            remittance={"type": "structured", "value": "RF18 5390 0754 7034"},
            end_to_end_id="INV-2026-0002",
        ),
        payment(remittance={"type": "none"}, execution_date="2026-02-01"),
    )
    built = build(data, message_format)
    root = assert_valid(built.content, message_format)
    assert root.tag == f"{{urn:iso:std:iso:20022:tech:xsd:{message_format}}}Document"
    assert built.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


@pytest.mark.parametrize("message_format", FORMATS)
def test_totals_in_group_header_and_per_block(message_format: str) -> None:
    data = batch_data(
        payment(amount="100.10", execution_date="2026-01-20"),
        payment(amount="0.01", execution_date="2026-01-21"),
        payment(amount="999999999.99", execution_date="2026-01-20"),
        payment(amount="12.3", execution_date="2026-01-21"),
    )
    built = build(data, message_format)
    root = assert_valid(built.content, message_format)

    assert texts(root, ".//p:GrpHdr/p:NbOfTxs", message_format) == ["4"]
    # 100.10 + 0.01 + 999999999.99 + 12.30
    assert texts(root, ".//p:GrpHdr/p:CtrlSum", message_format) == ["1000000112.40"]
    assert texts(root, ".//p:PmtInf/p:NbOfTxs", message_format) == ["2", "2"]
    assert texts(root, ".//p:PmtInf/p:CtrlSum", message_format) == ["1000000100.09", "12.31"]
    assert texts(root, ".//p:InstdAmt", message_format) == [
        "100.10",
        "999999999.99",
        "0.01",
        "12.30",
    ]
    assert built.number_of_transactions == 4
    assert built.control_sum == Decimal("1000000112.40")
    assert [block.control_sum for block in built.payment_information] == [
        Decimal("1000000100.09"),
        Decimal("12.31"),
    ]


@pytest.mark.parametrize("message_format", FORMATS)
def test_payments_are_grouped_by_execution_date_in_date_order(message_format: str) -> None:
    data = batch_data(
        payment(amount="1.00", execution_date="2026-03-01", end_to_end_id="A"),
        payment(amount="2.00", execution_date="2026-02-01", end_to_end_id="B"),
        payment(amount="3.00", execution_date="2026-03-01", end_to_end_id="C"),
        payment(amount="4.00", execution_date="2026-02-15", end_to_end_id="D"),
    )
    built = build(data, message_format, message_id="MSG-GROUPS")
    root = assert_valid(built.content, message_format)

    blocks = root.findall(".//p:PmtInf", ns(message_format))
    assert len(blocks) == 3
    date_path = "p:ReqdExctnDt/p:Dt" if message_format.endswith("09") else "p:ReqdExctnDt"
    assert [b.findtext(date_path, namespaces=ns(message_format)) for b in blocks] == [
        "2026-02-01",
        "2026-02-15",
        "2026-03-01",
    ]
    assert [texts(b, ".//p:EndToEndId", message_format) for b in blocks] == [
        ["B"],
        ["D"],
        ["A", "C"],
    ]
    assert [
        (block.execution_date, block.number_of_transactions, block.control_sum)
        for block in built.payment_information
    ] == [
        (date(2026, 2, 1), 1, Decimal("2.00")),
        (date(2026, 2, 15), 1, Decimal("4.00")),
        (date(2026, 3, 1), 2, Decimal("4.00")),
    ]
    ids = [block.payment_information_id for block in built.payment_information]
    assert ids == ["MSG-GROUPS-B1", "MSG-GROUPS-B2", "MSG-GROUPS-B3"]
    assert texts(root, ".//p:PmtInfId", message_format) == ids
    assert texts(root, ".//p:BtchBookg", message_format) == ["true"] * 3


def test_past_and_same_day_dates_become_today_and_share_a_block() -> None:
    data = batch_data(
        payment(amount="1.00", execution_date="2020-01-01"),
        payment(amount="2.00", execution_date=TODAY.isoformat()),
        payment(amount="3.00", execution_date=(TODAY + timedelta(days=1)).isoformat()),
    )
    built = build(data)
    root = assert_valid(built.content, "pain.001.001.09")
    assert texts(root, ".//p:ReqdExctnDt/p:Dt", "pain.001.001.09") == ["2026-01-05", "2026-01-06"]
    assert [b.number_of_transactions for b in built.payment_information] == [2, 1]
    assert effective_execution_date(date(2020, 1, 1), TODAY) == TODAY
    assert effective_execution_date(date(2026, 1, 6), TODAY) == date(2026, 1, 6)


def test_batch_booking_false_is_written() -> None:
    built = build(batch_data(batch_booking=False))
    root = assert_valid(built.content, "pain.001.001.09")
    assert texts(root, ".//p:BtchBookg", "pain.001.001.09") == ["false"]
    assert built.payment_information[0].batch_booking is False


@pytest.mark.parametrize("message_format", FORMATS)
def test_belgian_structured_communication_goes_in_the_structured_field(
    message_format: str,
) -> None:
    for written in ("+++010/8068/17183+++", "***010/8068/17183***", "010806817183"):
        data = batch_data(payment(remittance={"type": "structured", "value": written}))
        root = assert_valid(build(data, message_format).content, message_format)
        reference = root.find(".//p:RmtInf/p:Strd/p:CdtrRefInf", ns(message_format))
        assert reference is not None
        assert reference.findtext("p:Tp/p:CdOrPrtry/p:Cd", namespaces=ns(message_format)) == (
            "SCOR"
        )
        assert reference.findtext("p:Tp/p:Issr", namespaces=ns(message_format)) == "BBA"
        assert reference.findtext("p:Ref", namespaces=ns(message_format)) == "010806817183"
        assert root.find(".//p:Ustrd", ns(message_format)) is None


@pytest.mark.parametrize("message_format", FORMATS)
def test_rf_reference_goes_in_the_structured_field_with_issuer_iso(message_format: str) -> None:
    data = batch_data(payment(remittance={"type": "structured", "value": "rf18 5390 0754 7034"}))
    root = assert_valid(build(data, message_format).content, message_format)
    reference = root.find(".//p:CdtrRefInf", ns(message_format))
    assert reference is not None
    assert reference.findtext("p:Tp/p:CdOrPrtry/p:Cd", namespaces=ns(message_format)) == "SCOR"
    assert reference.findtext("p:Tp/p:Issr", namespaces=ns(message_format)) == "ISO"
    assert reference.findtext("p:Ref", namespaces=ns(message_format)) == "RF18539007547034"


@pytest.mark.parametrize("message_format", FORMATS)
def test_without_bics_the_debtor_agent_is_not_provided_and_no_creditor_agent(
    message_format: str,
) -> None:
    data = batch_data(payment(creditor={"name": "Bakkerij Peeters", "iban": "BE68539007547034"}))
    del data["debtor"]["bic"]
    root = assert_valid(build(data, message_format).content, message_format)
    namespaces = ns(message_format)
    assert root.findtext(".//p:DbtrAgt/p:FinInstnId/p:Othr/p:Id", namespaces=namespaces) == (
        "NOTPROVIDED"
    )
    assert root.find(".//p:CdtrAgt", namespaces) is None


@pytest.mark.parametrize(("message_format", "tag"), [(FORMATS[0], "BICFI"), (FORMATS[1], "BIC")])
def test_bic_element_per_version(message_format: str, tag: str) -> None:
    root = assert_valid(build(batch_data(), message_format).content, message_format)
    assert texts(root, f".//p:DbtrAgt/p:FinInstnId/p:{tag}", message_format) == ["GKCCBEBB"]
    assert texts(root, f".//p:CdtrAgt/p:FinInstnId/p:{tag}", message_format) == ["GKCCBEBB"]


def test_structured_postal_addresses_are_written_in_schema_order() -> None:
    data = batch_data(
        payment(
            creditor={
                "name": "Bakkerij Peeters",
                "iban": "BE68539007547034",
                "address": {
                    "street": "Markt",
                    "postal_code": "3000",
                    "town": "Leuven",
                    "country": "BE",
                },
            }
        )
    )
    root = assert_valid(build(data).content, "pain.001.001.09")
    creditor_address = root.find(".//p:Cdtr/p:PstlAdr", ns("pain.001.001.09"))
    debtor_address = root.find(".//p:Dbtr/p:PstlAdr", ns("pain.001.001.09"))
    assert creditor_address is not None and debtor_address is not None
    assert [(etree.QName(e).localname, e.text) for e in creditor_address] == [
        ("StrtNm", "Markt"),
        ("PstCd", "3000"),
        ("TwnNm", "Leuven"),
        ("Ctry", "BE"),
    ]
    assert [etree.QName(e).localname for e in debtor_address] == [
        "StrtNm",
        "BldgNb",
        "PstCd",
        "TwnNm",
        "Ctry",
    ]


def test_character_conversion_is_reported_per_field() -> None:
    data = batch_data(
        payment(
            creditor={"name": "Café & Zoon", "iban": "BE68539007547034"},
            remittance={"type": "unstructured", "value": "Factuur «2026/7» – merci"},
        ),
        payment(),
    )
    data["debtor"]["name"] = "Fiduciaire Dupont & Fils"
    built = build(data)
    root = assert_valid(built.content, "pain.001.001.09")
    namespace = ns("pain.001.001.09")
    assert root.findtext(".//p:Cdtr/p:Nm", namespaces=namespace) == "Cafe + Zoon"
    assert root.findtext(".//p:Ustrd", namespaces=namespace) == "Factuur '2026/7' - merci"
    assert texts(root, ".//p:InitgPty/p:Nm", "pain.001.001.09") == ["Fiduciaire Dupont + Fils"]

    report = [conversion.as_dict() for conversion in built.conversions]
    assert report == [
        {
            "field": "debtor.name",
            "original": "Fiduciaire Dupont & Fils",
            "converted": "Fiduciaire Dupont + Fils",
            "replacements": [{"from": "&", "to": "+"}],
        },
        {
            "field": "payments[0].creditor.name",
            "original": "Café & Zoon",
            "converted": "Cafe + Zoon",
            "replacements": [{"from": "é", "to": "e"}, {"from": "&", "to": "+"}],
        },
        {
            "field": "payments[0].remittance.value",
            "original": "Factuur «2026/7» – merci",
            "converted": "Factuur '2026/7' - merci",
            "replacements": [
                {"from": "«", "to": "'"},
                {"from": "»", "to": "'"},
                {"from": "–", "to": "-"},
            ],
        },
    ]
    assert built.summary()["conversions"] == report


def test_identifiers_message_id_and_generated_end_to_end_ids() -> None:
    data = batch_data(payment(), payment(end_to_end_id="MY-OWN-ID"), payment())
    built = build(data, message_id="LEDGERLINE-2026-01-05-000000000042")
    root = assert_valid(built.content, "pain.001.001.09")
    namespace = ns("pain.001.001.09")
    assert root.findtext(".//p:GrpHdr/p:MsgId", namespaces=namespace) == built.message_id
    end_to_end = texts(root, ".//p:EndToEndId", "pain.001.001.09")
    assert end_to_end == list(built.end_to_end_ids)
    assert end_to_end[1] == "MY-OWN-ID"
    assert len(set(end_to_end)) == 3
    assert all(len(identifier) <= 35 for identifier in end_to_end)
    assert end_to_end[0].endswith("-1") and end_to_end[2].endswith("-3")


def test_default_message_id_is_random_and_ids_differ_between_files() -> None:
    first, second = build(batch_data()), build(batch_data())
    assert len(first.message_id) == 32 and int(first.message_id, 16) >= 0
    assert first.message_id != second.message_id
    assert (
        first.payment_information[0].payment_information_id
        != second.payment_information[0].payment_information_id
    )


@pytest.mark.parametrize("bad_id", ["", "x" * 36, "/abc", "abc/", "a//b", "ünïcode"])
def test_invalid_message_id_is_refused(bad_id: str) -> None:
    with pytest.raises(ValueError, match="message id"):
        build(batch_data(), message_id=bad_id)


def test_creation_time_defaults_to_today_and_can_be_given() -> None:
    root = assert_valid(build(batch_data()).content, "pain.001.001.09")
    assert texts(root, ".//p:CreDtTm", "pain.001.001.09") == ["2026-01-05T00:00:00"]
    created = datetime(2026, 1, 5, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))
    built = build(batch_data(), created_at=created)
    root = assert_valid(built.content, "pain.001.001.09")
    assert texts(root, ".//p:CreDtTm", "pain.001.001.09") == ["2026-01-05T14:30:15+01:00"]


def test_integrity_hashes_cover_the_exact_bytes() -> None:
    built = build(batch_data())
    assert built.sha256 == hashlib.sha256(built.content).hexdigest()
    assert built.sha1 == hashlib.sha1(built.content).hexdigest()
    assert built.summary()["sha256"] == built.sha256


def test_summary_is_json_ready_with_amounts_as_strings() -> None:
    built = build(batch_data(payment(amount="10"), payment(amount="0.5")), message_id="M-1")
    summary = json.loads(json.dumps(built.summary()))
    assert summary["message_id"] == "M-1"
    assert summary["number_of_transactions"] == 2
    assert summary["control_sum"] == "10.50"
    assert summary["payment_information"] == [
        {
            "payment_information_id": "M-1-B1",
            "execution_date": "2026-01-20",
            "batch_booking": True,
            "number_of_transactions": 2,
            "control_sum": "10.50",
        }
    ]


def test_amounts_with_trailing_zeros_are_accepted_and_written_with_two_decimals() -> None:
    built = build(batch_data(payment(amount="12.340"), payment(amount="7")))
    root = assert_valid(built.content, "pain.001.001.09")
    assert texts(root, ".//p:InstdAmt", "pain.001.001.09") == ["12.34", "7.00"]


def test_bic_outside_the_pain_001_001_03_pattern_is_refused_only_for_that_version() -> None:
    # ISO 9362:2014 (and pain.001.001.09) allow a digit where pain.001.001.03 does not.
    data = batch_data(
        payment(creditor={"name": "Test Bank", "iban": "BE68539007547034", "bic": "GKCCBE01"})
    )
    assert_valid(build(data, "pain.001.001.09").content, "pain.001.001.09")
    with pytest.raises(InvalidBatch) as raised:
        build(data, "pain.001.001.03")
    assert raised.value.problems == [
        "payments[0].creditor.bic: GKCCBE01 cannot be written in pain.001.001.03."
    ]


def test_a_large_batch_validates_and_counts() -> None:
    payments = [
        payment(amount=f"{index}.{index % 100:02d}", end_to_end_id=f"E-{index}")
        for index in range(1, 2001)
    ]
    built = build(batch_data(*payments))
    root = assert_valid(built.content, "pain.001.001.09")
    expected = sum(Decimal(f"{index}.{index % 100:02d}") for index in range(1, 2001))
    assert built.number_of_transactions == 2000
    assert built.control_sum == expected
    assert texts(root, ".//p:GrpHdr/p:CtrlSum", "pain.001.001.09") == [f"{expected:.2f}"]


def test_the_batch_is_immutable() -> None:
    batch = CreditTransferBatch.from_data(batch_data())
    with pytest.raises(Exception):  # noqa: B017 - pydantic and dataclasses raise different types
        batch.payments[0].amount = Decimal(1)  # type: ignore[misc]
    with pytest.raises(Exception):  # noqa: B017
        batch.batch_booking = False  # type: ignore[misc]


# --- refused input ---------------------------------------------------------------------------


def _with(path: str, value: Any) -> dict[str, Any]:
    """A valid batch with one value replaced (`None` deletes the key)."""
    data = copy.deepcopy(batch_data(payment(), payment()))
    keys = path.split(".")
    target: Any = data
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is None:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "sentence"),
    [
        (
            "payments.1.creditor.iban",
            "BE68539007547035",
            "payments[1].creditor.iban: IBAN 'BE68539007547035' has wrong check digits.",
        ),
        (
            "debtor.iban",
            "XX68539007547034",
            "debtor.iban: IBAN 'XX68539007547034' does not start with a known country code.",
        ),
        (
            "payments.0.creditor.iban",
            "BR1800360305000010009795493C1",
            "payments[0].creditor.iban: IBAN 'BR1800360305000010009795493C1' belongs to country "
            "BR, which is not in the SEPA scheme.",
        ),
        (
            "payments.0.creditor.bic",
            "GKCCXXBB",
            "payments[0].creditor.bic: BIC 'GKCCXXBB' does not contain a known country code in "
            "positions 5 and 6.",
        ),
        (
            "debtor.bic",
            "GKCCBE",
            "debtor.bic: BIC 'GKCCBE' must be 8 or 11 characters long.",
        ),
        (
            "payments.1.remittance",
            {"type": "structured", "value": "+++010/8068/17180+++"},
            "payments[1].remittance.value: structured communication '+++010/8068/17180+++' has "
            "wrong check digits: 80 given, 83 expected (0108068171 mod 97).",
        ),
        (
            "payments.0.remittance",
            {"type": "structured", "value": "RF17539007547034"},
            "payments[0].remittance.value: RF reference 'RF17539007547034' has wrong check "
            "digits (ISO 11649 mod 97 check fails).",
        ),
        (
            "payments.0.amount",
            "-5.00",
            "payments[0].amount: -5.00 is negative; amounts must be between 0.01 and 999999999.99.",
        ),
        ("payments.1.amount", "12.345", "payments[1].amount: 12.345 has more than two decimals."),
        (
            "payments.0.amount",
            "0.00",
            "payments[0].amount: 0.00 is outside the allowed range 0.01 to 999999999.99.",
        ),
        (
            "payments.0.amount",
            "1000000000.00",
            "payments[0].amount: 1000000000.00 is outside the allowed range 0.01 to 999999999.99.",
        ),
        (
            "payments.0.amount",
            "1,50",
            "payments[0].amount: '1,50' is not an amount; use digits with a dot for decimals, "
            'such as "1234.50".',
        ),
        (
            "payments.0.currency",
            "USD",
            "payments[0].currency: 'USD' is not accepted; SEPA credit transfers are in EUR only.",
        ),
        (
            "payments.0.remittance",
            {"type": "unstructured", "value": "x" * 141},
            "payments[0].remittance.value: unstructured remittance is 141 characters long after "
            "conversion to the SEPA character set; at most 140 are allowed.",
        ),
        (
            # 70 characters as typed, 140 after ß → ss: still within the limit is not the point;
            # 71 ß become 142 characters.
            "payments.0.remittance",
            {"type": "unstructured", "value": "ß" * 71},
            "payments[0].remittance.value: unstructured remittance is 142 characters long after "
            "conversion to the SEPA character set; at most 140 are allowed.",
        ),
        (
            "debtor.address.town",
            None,
            "debtor.address.town: a town is required in a postal address.",
        ),
        (
            "debtor.address.country",
            None,
            "debtor.address.country: a country code (ISO 3166 alpha-2, such as BE) is required "
            "in a postal address.",
        ),
        (
            "payments.1.creditor.address",
            {"street": "Markt 1", "country": "BE"},
            "payments[1].creditor.address.town: a town is required in a postal address.",
        ),
        (
            "debtor.address.country",
            "XY",
            "debtor.address.country: 'XY' is not an ISO 3166 alpha-2 country code such as BE or "
            "NL.",
        ),
        (
            "debtor.address",
            None,
            "debtor.address: a postal address with at least town and country is required.",
        ),
        (
            "payments.0.execution_date",
            "05/01/2026",
            "payments[0].execution_date: '05/01/2026' is not a date in the form YYYY-MM-DD.",
        ),
        (
            "payments.0.creditor.name",
            "N" * 71,
            "payments[0].creditor.name: name is 71 characters long after conversion to the SEPA "
            "character set; at most 70 are allowed.",
        ),
        (
            "payments.0.end_to_end_id",
            "a//b",
            "payments[0].end_to_end_id: end-to-end id 'a//b' must not start or end with '/' or "
            "contain '//'.",
        ),
        (
            "payments.0.remittance",
            {"type": "structured"},
            "payments[0].remittance.value: remittance of type structured needs a value.",
        ),
        (
            "payments.0.remittance",
            {"type": "none", "value": "text"},
            "payments[0].remittance.value: remittance of type none must not have a value.",
        ),
        (
            "payments.0.remittance",
            {"type": "free"},
            "payments[0].remittance.type: remittance type 'free' is not one of none, "
            "unstructured or structured.",
        ),
        (
            "payments.0.colour",
            "red",
            "payments[0].colour: is not a known field; check its spelling.",
        ),
        ("batch_booking", "yes", "batch_booking: must be true or false."),
        ("payments", [], "payments: at least one payment is required."),
    ],
)
def test_each_bad_input_gives_its_sentence(path: str, value: Any, sentence: str) -> None:
    assert problems_of(_with(path, value)) == [sentence]


def test_json_float_amount_is_refused() -> None:
    text = json.dumps(batch_data()).replace('"amount": "100.00"', '"amount": 100.5')
    assert problems_of(text) == [
        'payments[0].amount: 100.5 is a JSON number; write amounts as strings such as "123.45" '
        "so that no rounding can happen."
    ]


def test_invalid_json_is_one_sentence() -> None:
    assert problems_of('{"debtor": ') == [
        "input is not valid JSON: EOF while parsing a value at line 1 column 11."
    ]


def test_all_problems_of_a_batch_are_reported_together() -> None:
    data = batch_data(
        payment(amount="12.345", currency="GBP"),
        payment(creditor={"name": "X", "iban": "BE00000000000000"}),
        payment(remittance={"type": "structured", "value": "+++000/0000/00000+++"}),
    )
    del data["debtor"]["address"]["town"]
    problems = problems_of(data)
    assert [problem.split(":")[0] for problem in problems] == [
        "debtor.address.town",
        "payments[0].amount",
        "payments[0].currency",
        "payments[1].creditor.iban",
        "payments[2].remittance.value",
    ]
    assert len(problems) == len(set(problems))


# --- XSD validator ---------------------------------------------------------------------------


def test_streaming_validator_accepts_the_given_sample_files() -> None:
    samples = given_testdata() / "sepa"
    validate_pain001(
        (samples / "php-sepa-xml__pain.001.001.09.xml").read_bytes(), "pain.001.001.09"
    )
    validate_pain001((samples / "sepa_king__pain.001.001.03.xml").read_bytes(), "pain.001.001.03")


def test_streaming_validator_reports_the_schema_errors() -> None:
    content = build(batch_data(payment(), payment())).content
    broken = content.replace(b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>NONE</ChrgBr>")
    with pytest.raises(XsdValidationError) as raised:
        validate_pain001(broken, "pain.001.001.09")
    assert any("ChrgBr" in error for error in raised.value.errors)
    with pytest.raises(XsdValidationError):
        validate_pain001(content, "pain.001.001.03")  # right file, wrong version
    with pytest.raises(XsdValidationError):
        validate_pain001(content[:-20], "pain.001.001.09")  # cut short


def test_streaming_validator_finds_an_error_deep_in_a_large_file() -> None:
    # About 700 KB: many feed chunks, with the parse tree pruned after each.
    payments = [payment(end_to_end_id=f"E-{index}") for index in range(2000)]
    content = build(batch_data(*payments)).content
    validate_pain001(content, "pain.001.001.09")
    broken = content.replace(b"<EndToEndId>E-1500</EndToEndId>", b"<EndToEndId></EndToEndId>")
    assert broken != content
    with pytest.raises(XsdValidationError) as raised:
        validate_pain001(broken, "pain.001.001.09")
    assert any("EndToEndId" in error for error in raised.value.errors)


def test_packaged_schemas_are_the_given_ones() -> None:
    from importlib import resources

    for message_format in FORMATS:
        packaged = resources.files("payments").joinpath("schemas", f"{message_format}.xsd")
        assert packaged.read_bytes() == (XSD_DIR / f"{message_format}.xsd").read_bytes()


def test_batch_round_trips_through_its_json_form() -> None:
    batch = CreditTransferBatch.from_data(
        batch_data(
            payment(remittance={"type": "structured", "value": "+++010/8068/17183+++"}),
            payment(amount="7", remittance={"type": "none"}, end_to_end_id="X-1"),
        )
    )
    dumped = batch.model_dump(mode="json")
    assert dumped["payments"][0]["remittance"] == {"type": "structured", "value": "010806817183"}
    assert dumped["payments"][1]["amount"] == "7.00"
    assert dumped["debtor"]["iban"] == "BE71096123456769"
    assert CreditTransferBatch.from_json(batch.model_dump_json()) == batch


def test_digest_helpers() -> None:
    from payments.domain.integrity import file_digest, hash_tail

    assert file_digest(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert file_digest(b"abc", "sha1") == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert hash_tail("0123456789abcdef") == "ABCDEF"
    with pytest.raises(ValueError, match="not supported"):
        file_digest(b"abc", "md5")  # type: ignore[arg-type]

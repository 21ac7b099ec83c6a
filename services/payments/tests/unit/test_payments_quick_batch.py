"""The quick path of the command-line tool (`quick_batch`) agrees with the pydantic model.

For any batch, either the quick path gives up (None) or it gives exactly what the model and
`prepare_batch` give; it never takes a batch the model refuses. Batches are made from a valid
one with fields replaced by awkward values (hypothesis).
"""

from __future__ import annotations

import copy
import string
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from payments.domain.accounts import InvalidAccount, normalise_bic
from payments.domain.batch_fields import parse_amount, plain_amount
from payments.domain.credit_transfer import CreditTransferBatch, InvalidBatch, prepare_batch
from payments.domain.quick_batch import QuickPathGaveUp, quick_outline, quick_prepare
from payments.domain.transfer_file import PreparedBatch
from schwifty import BIC
from schwifty.exceptions import SchwiftyException

TODAY = date(2026, 1, 5)
MESSAGE_ID = "MSG-1"
FORMATS = ("pain.001.001.09", "pain.001.001.03")

VALID: dict[str, Any] = {
    "debtor": {
        "name": "Fiduciaire Janssens BV",
        "iban": "BE71096123456769",
        "bic": "GKCCBEBB",
        "address": {"street": "Kerkstraat", "town": "Antwerpen", "country": "BE"},
    },
    "batch_booking": True,
    "payments": [
        {
            "end_to_end_id": "INV-1",
            "creditor": {"name": "Bakkerij Peeters", "iban": "BE68539007547034", "bic": "GKCCBEBB"},
            "amount": "125.50",
            "currency": "EUR",
            "execution_date": "2026-01-15",
            "remittance": {"type": "unstructured", "value": "Invoice 1"},
        },
        {
            "creditor": {
                "name": "Café De Kroon & Co",
                "iban": "NL91ABNA0417164300",
                "address": {"town": "Gent", "country": "be", "postal_code": "9000"},
            },
            "amount": "7",
            "currency": "EUR",
            "execution_date": "2026-01-02",
            "remittance": {"type": "structured", "value": "+++010/8068/17183+++"},
        },
    ],
}

# (path in the batch, values to put there); `...` removes the field.
AWKWARD: list[tuple[tuple[Any, ...], list[Any]]] = [
    (("debtor", "name"), ["", " Janssens", "Jänssens", "A" * 71, "é" * 70, "ß" * 40, None, 5]),
    (("debtor", "iban"), ["BE71 0961 2345 6769", "be71096123456769", "BE71096123456768", ...]),
    (("debtor", "bic"), ["gkccbebb", "GKCCBEB", "GKCC BE BB", "GKCCXXBB", None, ..., "GKCCBE1B"]),
    (("debtor", "address"), [None, {}, {"town": "Gent"}, {"town": "Gent", "country": "XX"}, ...]),
    (("debtor", "address", "country"), ["xk", " BE", "BEL", 32]),
    (("debtor", "extra"), ["x"]),
    (("batch_booking",), [False, "true", 1, None, ...]),
    (("payments",), [[], None, "x"]),
    (
        ("payments", 0, "amount"),
        ["0.00", "0.01", "1.5", "1.555", "-1", " 1.00", 12, 1.5, True, ...],
    ),
    (("payments", 0, "amount"), ["999999999.99", "1000000000.00", "01.00", "1e3", "NaN"]),
    (("payments", 0, "currency"), ["eur", "USD", None, ...]),
    (("payments", 0, "execution_date"), ["2026-02-30", "2026-1-5", "2025-12-31", 20260105, ...]),
    (("payments", 0, "end_to_end_id"), [None, "", " A", "A/", "a//b", "A" * 36, "é", "A B", ...]),
    (("payments", 0, "creditor", "name"), [" x", "x ", "\tx", "Müller", "€" * 30, "&", ...]),
    (
        ("payments", 0, "creditor", "iban"),
        ["CH9300762011623852957", "BR1800360305000010009795493C1"],
    ),
    (
        ("payments", 0, "creditor", "iban"),
        ["GB82 WEST 1234 5698 7654 32", "BE68 5390 0754 7034 ", 5],
    ),
    (
        ("payments", 0, "creditor", "bic"),
        ["DEUTDEFF500", "deutdeff", "DEUT DE FF", "DEUTDE1F", ["GKCCBEBB"], 5],
    ),
    (("payments", 0, "creditor", "address"), [None, {"town": "Gent"}, {"country": "BE"}, "x"]),
    (
        ("payments", 0, "creditor", "address"),
        [{"town": "Gent ", "country": "BE"}, {"town": "x" * 36, "country": "BE"}],
    ),
    (("payments", 0, "creditor", "extra"), [1]),
    (("payments", 0, "remittance"), [{"type": "none"}, {"type": "none", "value": ""}, None]),
    (("payments", 0, "remittance"), [{"type": "unstructured", "value": " padded "}]),
    (("payments", 0, "remittance"), [{"type": "unstructured", "value": "€" * 50}]),
    (("payments", 0, "remittance"), [{"type": "unstructured", "value": "x" * 141}]),
    (("payments", 0, "remittance"), [{"type": "structured", "value": "RF18 5390 0754 7034"}]),
    (("payments", 0, "remittance"), [{"type": "structured", "value": "+++010/8068/17184+++"}]),
    (("payments", 0, "remittance"), [{"type": "structured", "value": "010806817183"}]),
    (("payments", 0, "remittance"), [{"type": "other", "value": "x"}, {"value": "x"}, "x"]),
    (("payments", 0, "extra"), [None]),
    (("payments", 1), [None, [], "x", {}]),
]


def _mutated(changes: list[tuple[int, int]]) -> dict[str, Any]:
    data = copy.deepcopy(VALID)
    for which, choice in changes:
        path, values = AWKWARD[which % len(AWKWARD)]
        value = values[choice % len(values)]
        target: Any = data
        for step in path[:-1]:
            if not isinstance(target, dict | list):
                break
            try:
                target = target[step]
            except (KeyError, IndexError):
                break
        else:
            if isinstance(target, dict):
                if value is ...:
                    target.pop(path[-1], None)
                else:
                    target[path[-1]] = value
            elif isinstance(target, list) and path[-1] < len(target) and value is not ...:
                target[path[-1]] = value
    return data


def model_prepared(data: object, message_format: str) -> PreparedBatch | None:
    try:
        batch = CreditTransferBatch.from_data(data)
        return prepare_batch(batch, today=TODAY, format=message_format, message_id=MESSAGE_ID)
    except InvalidBatch:
        return None


@pytest.mark.parametrize("message_format", FORMATS)
def test_a_well_formed_batch_takes_the_quick_path(message_format: str) -> None:
    quick = quick_prepare(VALID, today=TODAY, format=message_format, message_id=MESSAGE_ID)
    assert quick is not None
    assert quick == model_prepared(VALID, message_format)
    assert quick.end_to_end_ids == ["INV-1", "MSG-1-2"]
    assert [record[1] for record in quick.conversions] == ["creditor.name"]


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 100)), min_size=1, max_size=3),
    st.sampled_from(FORMATS),
)
def test_quick_path_never_differs_from_the_model(
    changes: list[tuple[int, int]], message_format: str
) -> None:
    data = _mutated(changes)
    quick = quick_prepare(data, today=TODAY, format=message_format, message_id=MESSAGE_ID)
    if quick is not None:
        assert quick == model_prepared(data, message_format)


def test_the_outline_checks_what_the_headers_need_and_the_rest_while_read() -> None:
    data = copy.deepcopy(VALID)
    data["payments"][1]["creditor"]["iban"] = "NL91ABNA0417164301"  # wrong check digits
    outline = quick_outline(data, today=TODAY, format=FORMATS[0], message_id=MESSAGE_ID)
    assert outline is not None  # amounts and dates: the PmtInf blocks and their sums are known
    assert outline.block_sizes() == {(date(2026, 1, 5), True): 1, (date(2026, 1, 15), True): 1}
    assert [t[0] for t in outline.transactions((date(2026, 1, 15), True))] == ["INV-1"]
    with pytest.raises(QuickPathGaveUp):
        list(outline.transactions((date(2026, 1, 5), True)))
    assert quick_prepare(data, today=TODAY, format=FORMATS[0], message_id=MESSAGE_ID) is None
    data["payments"][1]["amount"] = "-7"
    assert quick_outline(data, today=TODAY, format=FORMATS[0], message_id=MESSAGE_ID) is None


def schwifty_bic(value: str) -> str | None:
    try:
        return str(BIC(value).compact)
    except SchwiftyException:
        return None


@settings(max_examples=600, deadline=None)
@given(
    st.text(alphabet=string.ascii_uppercase + string.digits + " a", min_size=6, max_size=12)
    | st.sampled_from(["GKCCBEBB", "DEUTDEFF500", "GKCCXKBB", "GKCCBE1B", "1KCCBEBB"])
)
def test_quick_bic_check_agrees_with_schwifty(value: str) -> None:
    expected = schwifty_bic(value)
    try:
        checked: str | None = normalise_bic(value)
    except InvalidAccount:
        checked = None
    assert checked == expected


@settings(max_examples=500, deadline=None)
@given(
    st.from_regex(r"[0-9]{1,10}(\.[0-9]{0,3})?", fullmatch=True)
    | st.sampled_from(["0.00", "0.0", "0.01", "999999999.99", "1000000000", "00.10", "+1", ""])
)
def test_plain_amounts_read_as_parse_amount_reads_them(text: str) -> None:
    plain = plain_amount(text)
    if plain is not None:
        amount = parse_amount(text)
        assert plain == (str(amount), int(amount * 100))

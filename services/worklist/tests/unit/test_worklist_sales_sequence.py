"""The sales sequence check reads an invoice number as a prefix and a trailing number, and needs
of the earlier numbers only the highest of the same prefix: that is what the worklist stores
per row and looks up on an index (issue 13). The check itself is unchanged: compared here with
the former implementation, on every earlier number or on the highest alone."""

import re
from collections.abc import Iterable

from hypothesis import given
from hypothesis import strategies as st
from worklist.adapters.earlier_invoices import sequence_columns
from worklist.domain.warnings import Warning, sequence_number, sequence_warning

_FORMER = re.compile(r"^(.*?)(\d+)$")


def former_sequence_warning(invoice_number: str | None, earlier: Iterable[str]) -> Warning | None:
    """The check as it was before the indexed lookup (every earlier number passed in)."""
    if not invoice_number:
        return None
    mine = _FORMER.match(invoice_number.strip())
    if mine is None:
        return None
    prefix, number = mine.group(1), int(mine.group(2))
    same_prefix = [
        int(m.group(2))
        for other in earlier
        if (m := _FORMER.match(other.strip())) and m.group(1) == prefix
    ]
    if not same_prefix:
        return None
    highest = max(same_prefix)
    if number == highest + 1:
        return None
    return Warning(
        "sales_number_out_of_sequence",
        f"sales invoice number {invoice_number} does not follow {prefix}{highest:0{len(mine.group(2))}d}",
    )


def highest_of_prefix(invoice_number: str, earlier: list[str]) -> list[str]:
    """What the database returns: the earlier number of the candidate's prefix with the highest
    stored sequence number (one of them when several are equal), or nothing."""
    mine = sequence_number(invoice_number)
    if mine is None:
        return []
    same = [
        (columns[1], other)
        for other in earlier
        if (columns := sequence_columns(other))[0] == mine.prefix and columns[1] is not None
    ]
    return [max(same)[1]] if same else []


def test_an_invoice_number_is_a_prefix_and_a_trailing_number() -> None:
    assert sequence_number("2026-0177") == sequence_number(" 2026-0177\n")
    found = sequence_number("2026-0177")
    assert found is not None and (found.prefix, found.digits, found.number) == (
        "2026-",
        "0177",
        177,
    )
    assert sequence_number("F2026A12") is not None
    assert sequence_number("F2026A12").prefix == "F2026A"  # type: ignore[union-attr]
    assert sequence_number("0042").prefix == ""  # type: ignore[union-attr]
    # Digits of other scripts count, as Python's \d and int() read them.
    assert sequence_number("VF-١٢").number == 12  # type: ignore[union-attr]
    for unnumbered in (None, "", "   ", "2026-A", "12 B"):
        assert sequence_number(unnumbered) is None
    assert sequence_columns("2026-0177") == ("2026-", 177)
    assert sequence_columns("CN") == (None, None)


def test_a_number_too_long_for_an_index_is_not_numbered() -> None:
    assert sequence_number("A" * 190 + "1" * 10) is not None
    assert sequence_number("A" * 191 + "1" * 10) is None
    assert sequence_number("9" * 5000) is None  # the former check raised ValueError here


def test_the_highest_earlier_number_of_the_prefix_is_all_the_check_needs() -> None:
    earlier = ["2026-0009", "2026-10", "2026-0008", "F-99", "2027-0001", "CN-0011"]
    # Numeric, not text, order: 10 is the highest of 2026-, not 0009.
    assert highest_of_prefix("2026-11", earlier) == ["2026-10"]
    assert sequence_warning("2026-11", ["2026-10"]) is None
    skipping = sequence_warning("2026-0013", ["2026-10"])
    assert skipping is not None and skipping.message == (
        "sales invoice number 2026-0013 does not follow 2026-0010"
    )
    assert sequence_warning("2026-0013", earlier) == skipping


numbers = st.builds(
    lambda space, prefix, digits, trailing: f"{space}{prefix}{digits}{trailing}",
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from(["", "2026-", "2026/", "F", "f", "CN-", "A1B", "١-"]),
    st.text(alphabet="0123456789١٢", min_size=0, max_size=5),
    st.sampled_from(["", " ", "\n", "x"]),
)


@given(st.lists(numbers, max_size=12), numbers)
def test_the_check_on_the_highest_alone_equals_the_former_check_on_all(
    earlier: list[str], candidate: str
) -> None:
    former = former_sequence_warning(candidate, earlier)
    assert sequence_warning(candidate, earlier) == former
    assert sequence_warning(candidate, highest_of_prefix(candidate, earlier)) == former

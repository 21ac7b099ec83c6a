"""The SEPA file command as a user runs it: quick checks that agree with the full ones, a
summary that counts conversions instead of listing 100,000 of them, and a command that does
not load the service to make a file."""

from __future__ import annotations

import argparse
import json
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from payments.domain.accounts import InvalidAccount, normalise_iban, quick_sepa_iban
from payments.domain.remittance import InvalidRemittance, parse_ogm
from payments.domain.sepa_text import surely_fits, to_sepa
from payments.entrypoints import sepa_cli
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.be import ogm_vcs
from stdnum.exceptions import ValidationError as StdnumValidationError

VALID_SEPA_IBANS = (
    "BE68539007547034",
    "BE71096123456769",
    "NL91ABNA0417164300",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "GB82WEST12345698765432",
    "MT84MALT011000012345MTLCAST001S",
    "CH9300762011623852957",
    "IT60X0542811101000000123456",
    "ES9121000418450200051332",
    "LU280019400644750000",
    "AT611904300234573201",
)


def schwifty_verdict(value: str) -> str | None:
    """What the full check accepts: the compact IBAN of the SEPA scheme, else None."""
    try:
        iban = IBAN(value)
    except SchwiftyException:
        return None
    return str(iban.compact) if iban.in_sepa_zone else None


def mutated(iban: str, position: int, character: str, how: str) -> str:
    position %= len(iban)
    if how == "replace":
        return iban[:position] + character + iban[position + 1 :]
    if how == "insert":
        return iban[:position] + character + iban[position:]
    if how == "delete":
        return iban[:position] + iban[position + 1 :]
    if how == "swap" and position + 1 < len(iban):
        return iban[:position] + iban[position + 1] + iban[position] + iban[position + 2 :]
    if how == "spaced":
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
    return iban


@pytest.mark.parametrize("iban", VALID_SEPA_IBANS)
def test_quick_iban_check_takes_valid_sepa_ibans(iban: str) -> None:
    assert quick_sepa_iban(iban) == schwifty_verdict(iban) == iban
    assert normalise_iban(" ".join(iban[i : i + 4] for i in range(0, len(iban), 4))) == iban


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from((*VALID_SEPA_IBANS, "BR1800360305000010009795493C1", "BE00539007547034")),
    st.integers(min_value=0, max_value=40),
    st.sampled_from(string.ascii_uppercase + string.digits + " xé"),
    st.sampled_from(("replace", "insert", "delete", "swap", "spaced", "none")),
)
def test_quick_iban_check_never_takes_what_schwifty_refuses(
    iban: str, position: int, character: str, how: str
) -> None:
    value = mutated(iban, position, character, how)
    quick = quick_sepa_iban(value)
    assert quick is None or quick == schwifty_verdict(value)
    # Whatever path is taken, the answer is schwifty's.
    expected = schwifty_verdict(value)
    if expected is not None:
        assert normalise_iban(value) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_uppercase + string.digits, min_size=0, max_size=34))
def test_quick_iban_check_on_any_text_agrees_with_schwifty(value: str) -> None:
    quick = quick_sepa_iban(value)
    assert quick is None or quick == schwifty_verdict(value)


def test_refused_ibans_keep_schwiftys_sentences() -> None:
    with pytest.raises(InvalidAccount, match="has wrong check digits"):
        normalise_iban("BE68539007547035")
    with pytest.raises(InvalidAccount, match="not in the SEPA scheme"):
        normalise_iban("BR1800360305000010009795493C1")


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_structured_communication_check_agrees_with_python_stdnum(number: int) -> None:
    digits = f"{number:012d}"
    try:
        expected: str | None = ogm_vcs.validate(digits)
    except StdnumValidationError:
        expected = None
    try:
        parsed: str | None = parse_ogm(f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++")
    except InvalidRemittance:
        parsed = None
    assert parsed == expected


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("aZ9 &é߀@«»_ﷺ\t"), max_size=80),
    st.integers(min_value=1, max_value=80),
)
def test_length_bound_of_names_is_never_too_kind(text: str, max_length: int) -> None:
    if surely_fits(text, max_length):
        assert 0 < len(to_sepa(text)) <= max_length


# --- the command -----------------------------------------------------------------------------

DEBTOR: dict[str, Any] = {
    "name": "Fiduciaire Janssens & Co",
    "iban": "BE71096123456769",
    "address": {"town": "Antwerpen", "country": "BE"},
}
NAMES = ("Café De Kroon", "Garage Dubois & Zonen", "Müller Logistik", "Bakkerij Peeters")


def many_payments(count: int) -> dict[str, Any]:
    return {
        "debtor": DEBTOR,
        "payments": [
            {
                "creditor": {"name": f"{NAMES[index % 4]} {index}", "iban": "BE68539007547034"},
                "amount": "1.00",
                "currency": "EUR",
                "execution_date": "2026-01-15",
                "remittance": {"type": "unstructured", "value": f"Factuur {index} – €"},
            }
            for index in range(count)
        ],
    }


def run_command(tmp_path: Path, data: dict[str, Any], *extra: str) -> dict[str, Any]:
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    parser = argparse.ArgumentParser(prog="payments")
    sepa_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        ["sepa-credit-transfer", str(source), "--output", str(tmp_path / "out.xml"), *extra]
    )
    return {"code": args.func(args)}


def test_summary_counts_conversions_and_shows_a_few_of_each_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_command(tmp_path, many_payments(40)) == {"code": 0}
    summary = json.loads(capsys.readouterr().out)
    assert summary["conversion_counts"] == {
        "total": 71,  # debtor name, 30 of 40 creditor names, 40 remittance texts
        "by_field": {
            "debtor.name": 1,
            "payments[].creditor.name": 30,
            "payments[].remittance.value": 40,
        },
        "by_character": [
            {"from": "&", "to": "+", "fields": 11},
            {"from": "é", "to": "e", "fields": 10},
            {"from": "–", "to": "-", "fields": 40},
            {"from": "€", "to": "EUR", "fields": 40},
            {"from": "ü", "to": "u", "fields": 10},
        ],
    }
    assert [c["field"] for c in summary["conversions"]] == [
        "debtor.name",
        "payments[0].creditor.name",
        "payments[0].remittance.value",
        "payments[1].creditor.name",
        "payments[1].remittance.value",
        "payments[2].creditor.name",
        "payments[2].remittance.value",
    ]
    assert summary["conversions"][1] == {
        "field": "payments[0].creditor.name",
        "original": "Café De Kroon 0",
        "converted": "Cafe De Kroon 0",
        "replacements": [{"from": "é", "to": "e"}],
    }


def test_every_conversion_is_listed_on_request(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_command(tmp_path, many_payments(40), "--conversions", "full") == {"code": 0}
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["conversions"]) == summary["conversion_counts"]["total"] == 71
    assert summary["conversions"][-1]["field"] == "payments[39].remittance.value"


def test_the_command_makes_a_file_without_loading_the_service(tmp_path: Path) -> None:
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(many_payments(3)), encoding="utf-8")
    probe = (
        "import contextlib, io, json, sys\n"
        "from payments.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['sepa-credit-transfer', {str(source)!r}, '--output', "
        f"{str(tmp_path / 'out.xml')!r}])\n"
        "loaded = [m for m in ('ledgerline.service', 'fastapi', 'faststream', 'asyncpg', "
        "'segno') if m in sys.modules]\n"
        "print(json.dumps({'code': code, 'loaded': loaded}))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert json.loads(completed.stdout) == {"code": 0, "loaded": []}
    assert (tmp_path / "out.xml").stat().st_size > 0


def test_the_service_commands_are_still_offered(capsys: pytest.CaptureFixture[str]) -> None:
    from payments.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    for command in ("serve", "migrate", "sepa-credit-transfer", "epc-qr"):
        assert command in help_text


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        (None, True),
        (("amount", "-1"), False),  # refused before anything is written
        (("iban", "BE68539007547035"), False),  # refused while the file is being written
        (("name", " Bakkerij Peeters 1 "), True),  # the quick path gives up there, the model not
    ],
)
def test_a_large_input_starts_the_validating_child_early_and_always_ends_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str] | None,
    valid: bool,
) -> None:
    from payments.domain import pain001, parallel_xsd, transfer_file

    started: list[parallel_xsd.ValidatorProcess] = []
    fed: list[bytes] = []

    class Recorded(parallel_xsd.ValidatorProcess):
        def __init__(self, message_format: str) -> None:
            super().__init__(message_format)
            started.append(self)

        def feed(self, chunk: bytes) -> None:
            fed.append(chunk)
            super().feed(chunk)

    monkeypatch.setattr(transfer_file, "ValidatorProcess", Recorded)
    monkeypatch.setattr(pain001, "PIECE_TRANSACTIONS", 1)  # the child gets each transaction
    data = many_payments(3)
    if change is not None and change[0] == "amount":
        data["payments"][1]["amount"] = change[1]
    elif change is not None:
        data["payments"][1]["creditor"][change[0]] = change[1]
    # Three payments, but as many bytes as a batch validated in a child process.
    padding = " " * transfer_file.PARALLEL_VALIDATION_MIN_PAYMENTS * 150
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(data) + padding, encoding="utf-8")
    output = tmp_path / "out.xml"
    parser = argparse.ArgumentParser(prog="payments")
    sepa_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["sepa-credit-transfer", str(source), "--output", str(output)])

    assert args.func(args) == (0 if valid else 2)
    assert len(started) == 1
    assert started[0]._process is None  # ended, in every case
    assert output.exists() == valid
    assert sorted(path.name for path in tmp_path.iterdir()) == (
        ["batch.json", "out.xml"] if valid else ["batch.json"]
    )
    # The child gets each transaction as it is made: all three and the end of the file, or
    # payment 0 before payment 1 was found wrong (then the model decides, with a small batch
    # validated in this process), or nothing when the batch is refused before writing.
    pieces = 4 if change is None else 0 if change[0] == "amount" else 1
    assert len(fed) == pieces
    out, err = capsys.readouterr()
    if valid:
        assert json.loads(out)["number_of_transactions"] == 3
        name = b"Bakkerij Peeters 1" if change else b"Garage Dubois + Zonen 1"
        assert b"<Nm>" + name + b"</Nm>" in output.read_bytes()
    else:
        assert err.startswith("payments[1].")


@pytest.mark.parametrize("in_a_child", [True, False])
def test_a_file_that_fails_validation_is_written_meanwhile_but_never_left(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    in_a_child: bool,
) -> None:
    from lxml import etree
    from payments.domain import pain001, transfer_file

    if in_a_child:  # validated by the child while the temporary file is written
        monkeypatch.setattr(transfer_file, "PARALLEL_VALIDATION_MIN_PAYMENTS", 1)
    original = pain001._block_header

    def broken_header(*args: Any) -> list[etree._Element]:
        return [*original(*args), etree.Element("Bogus")]

    monkeypatch.setattr(pain001, "_block_header", broken_header)
    assert run_command(tmp_path, many_payments(3)) == {"code": sepa_cli.EXIT_DEFECT}
    assert "internal error, no file written" in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["batch.json"]

    monkeypatch.setattr(pain001, "_block_header", original)
    assert run_command(tmp_path, many_payments(3)) == {"code": 0}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["batch.json", "out.xml"]

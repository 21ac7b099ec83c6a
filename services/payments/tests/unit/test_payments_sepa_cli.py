"""The `sepa-credit-transfer` and `epc-qr` commands: files written, summaries, exit codes."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from ledgerline.devstack.paths import given_testdata
from lxml import etree
from payments.entrypoints import sepa_cli

BATCH: dict[str, Any] = {
    "debtor": {
        "name": "Fiduciaire Janssens & Co",
        "iban": "BE71096123456769",
        "bic": "GKCCBEBB",
        "address": {
            "street": "Kerkstraat",
            "building_number": "1",
            "postal_code": "2000",
            "town": "Antwerpen",
            "country": "BE",
        },
    },
    "payments": [
        {
            "creditor": {"name": "Bakkerij Peeters", "iban": "BE68539007547034"},
            "amount": "125.50",
            "currency": "EUR",
            "execution_date": "2026-01-15",
            "remittance": {"type": "structured", "value": "+++010/8068/17183+++"},
        },
        {
            "creditor": {"name": "Café De Kroon", "iban": "NL91ABNA0417164300", "bic": "ABNANL2A"},
            "amount": "10.00",
            "currency": "EUR",
            "execution_date": "2026-01-01",
            "remittance": {"type": "unstructured", "value": "Invoice 7"},
        },
    ],
}


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="payments")
    sepa_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def write_input(folder: Path, data: Any, name: str = "batch.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def given_schema_valid(content: bytes, message_format: str) -> bool:
    schema = etree.XMLSchema(etree.parse(str(given_testdata() / "xsd" / f"{message_format}.xsd")))
    return schema.validate(etree.fromstring(content))


@pytest.mark.parametrize("message_format", ["pain.001.001.09", "pain.001.001.03"])
def test_credit_transfer_writes_the_file_and_prints_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], message_format: str
) -> None:
    source = write_input(tmp_path, BATCH)
    output = tmp_path / "batch.xml"
    code = run(
        [
            "sepa-credit-transfer",
            str(source),
            "--output",
            str(output),
            "--format",
            message_format,
            "--today",
            "2026-01-10",
        ]
    )
    assert code == 0
    content = output.read_bytes()
    assert given_schema_valid(content, message_format)
    summary = json.loads(capsys.readouterr().out)
    assert summary["output"] == str(output)
    assert summary["format"] == message_format
    assert summary["number_of_transactions"] == 2
    assert summary["control_sum"] == "135.50"
    assert summary["sha256"] == hashlib.sha256(content).hexdigest()
    # 2026-01-01 is before --today: executed on 2026-01-10, in its own block.
    assert [
        (b["execution_date"], b["number_of_transactions"], b["control_sum"])
        for b in summary["payment_information"]
    ] == [("2026-01-10", 1, "10.00"), ("2026-01-15", 1, "125.50")]
    assert [(c["field"], c["converted"]) for c in summary["conversions"]] == [
        ("debtor.name", "Fiduciaire Janssens + Co"),
        ("payments[1].creditor.name", "Cafe De Kroon"),
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["batch.json", "batch.xml"]


def _bad(path: list[str | int], value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(BATCH))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "stderr"),
    [
        (
            _bad(["payments", 0, "creditor", "iban"], "BE68539007547035"),
            "payments[0].creditor.iban: IBAN 'BE68539007547035' has wrong check digits.\n",
        ),
        (
            json.dumps(BATCH).replace('"125.50"', "125.5"),
            "payments[0].amount: 125.5 is a JSON number; write amounts as strings such as "
            '"123.45" so that no rounding can happen.\n',
        ),
        (
            _bad(["payments", 1, "remittance", "value"], "y" * 141),
            "payments[1].remittance.value: unstructured remittance is 141 characters long after "
            "conversion to the SEPA character set; at most 140 are allowed.\n",
        ),
        (
            _bad(["debtor", "address", "town"], None),
            "debtor.address.town: a town is required in a postal address.\n",
        ),
        (
            '{"debtor": ',
            "input is not valid JSON: EOF while parsing a value at line 1 column 11.\n",
        ),
    ],
)
def test_invalid_input_exits_2_with_sentences_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any, stderr: str
) -> None:
    source = write_input(tmp_path, data)
    output = tmp_path / "batch.xml"
    assert run(["sepa-credit-transfer", str(source), "--output", str(output)]) == 2
    captured = capsys.readouterr()
    assert captured.err == stderr
    assert captured.out == ""
    assert sorted(path.name for path in tmp_path.iterdir()) == ["batch.json"]


def test_several_problems_are_all_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _bad(["payments", 0, "amount"], "-1")
    data["payments"][1]["currency"] = "USD"
    source = write_input(tmp_path, data)
    assert run(["sepa-credit-transfer", str(source), "--output", str(tmp_path / "x.xml")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "payments[0].amount: -1 is negative; amounts must be between 0.01 and 999999999.99.",
        "payments[1].currency: 'USD' is not accepted; SEPA credit transfers are in EUR only.",
    ]


def test_existing_output_is_kept_when_the_input_is_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "batch.xml"
    output.write_bytes(b"previous file")
    source = write_input(tmp_path, _bad(["payments", 0, "currency"], "GBP"))
    assert run(["sepa-credit-transfer", str(source), "--output", str(output)]) == 2
    assert output.read_bytes() == b"previous file"
    assert "GBP" in capsys.readouterr().err


def test_unreadable_input_and_unwritable_output_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.json"
    assert run(["sepa-credit-transfer", str(missing), "--output", str(tmp_path / "a.xml")]) == 2
    assert capsys.readouterr().err == f"cannot read {missing}: No such file or directory.\n"

    source = write_input(tmp_path, BATCH)
    target = tmp_path / "no-such-folder" / "a.xml"
    assert run(["sepa-credit-transfer", str(source), "--output", str(target)]) == 2
    assert capsys.readouterr().err == f"cannot write {target}: No such file or directory.\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["sepa-credit-transfer", "batch.json"],
        ["sepa-credit-transfer", "batch.json", "--output", "x.xml", "--today", "10/01/2026"],
        ["sepa-credit-transfer", "batch.json", "--output", "x.xml", "--format", "pain.001.001.02"],
        [
            "epc-qr",
            "--name",
            "X",
            "--iban",
            "BE71096123456769",
            "--amount",
            "1",
            "--reference",
            "RF18539007547034",
            "--text",
            "both",
            "--output",
            "q.png",
        ],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        run(argv)
    assert raised.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_help_texts_have_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("sepa-credit-transfer", "epc-qr"):
        with pytest.raises(SystemExit):
            run([command, "--help"])
        help_text = capsys.readouterr().out
        assert "example:" in help_text
        assert f"payments {command} " in help_text


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_epc_qr_writes_the_image_and_prints_the_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    output = tmp_path / f"qr.{suffix}"
    code = run(
        [
            "epc-qr",
            "--name",
            "Example Company NV",
            "--iban",
            "BE71096123456769",
            "--amount",
            "125.50",
            "--reference",
            "RF18539007547034",
            "--output",
            str(output),
        ]
    )
    assert code == 0
    assert capsys.readouterr().out == (
        "BCD\n002\n1\nSCT\n\nExample Company NV\nBE71096123456769\nEUR125.50\n\nRF18539007547034\n"
    )
    image = output.read_bytes()
    if suffix == "png":
        assert image.startswith(b"\x89PNG")
    else:
        assert b"<svg" in image
    assert sorted(path.name for path in tmp_path.iterdir()) == [output.name]


@pytest.mark.parametrize(
    ("extra", "output_name", "stderr"),
    [
        (
            ["--iban", "BE71096123456768"],
            "qr.png",
            "iban: IBAN 'BE71096123456768' has wrong check digits.\n",
        ),
        (["--amount", "1.001"], "qr.svg", "amount: 1.001 has more than two decimals.\n"),
        ([], "qr.jpg", "--output must end in .png or .svg, not 'qr.jpg'.\n"),
    ],
)
def test_epc_qr_bad_input_exits_2_without_a_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    output_name: str,
    stderr: str,
) -> None:
    argv = [
        "epc-qr",
        "--name",
        "X",
        "--iban",
        "BE71096123456769",
        "--amount",
        "1.00",
        "--output",
        str(tmp_path / output_name),
        *extra,
    ]
    assert run(argv) == 2
    assert capsys.readouterr().err == stderr
    assert list(tmp_path.iterdir()) == []


def test_the_payments_console_script_offers_the_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        from payments.cli import main
    except ImportError as error:  # the service side of the CLI is another module's business
        pytest.skip(f"payments.cli cannot be imported here: {error}")

    source = write_input(tmp_path, BATCH)
    output = tmp_path / "batch.xml"
    assert main(["sepa-credit-transfer", str(source), "--output", str(output)]) == 0
    assert json.loads(capsys.readouterr().out)["number_of_transactions"] == 2
    assert given_schema_valid(output.read_bytes(), "pain.001.001.09")

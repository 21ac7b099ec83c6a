"""python-sepaxml as a user would run it: JSON batch in, pain.001 file out, in one process.

    python services/payments/bench/sepaxml_file.py in.json out.xml [--format pain.001.001.09]

The other side of the whole-process comparison in `bench_sepa.py`: it reads the same JSON batch
as `payments sepa-credit-transfer`, converts it to what sepaxml wants (cents as int, dates as
`date`), builds the file with `SepaTransfer` (its defaults: text cleaning with unidecode on) and
writes it. `export(validate=False)`: sepaxml's own validation uses xmlschema, pure Python, which
would make its side much slower; leaving it out keeps the comparison conservative for us.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from sepaxml import SepaTransfer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--format", default="pain.001.001.09")
    args = parser.parse_args()

    data = json.loads(args.input.read_bytes())
    debtor = data["debtor"]
    config = {
        "name": debtor["name"],
        "IBAN": debtor["iban"],
        "BIC": debtor["bic"],
        "batch": data.get("batch_booking", True),
        "currency": "EUR",
    }
    transfer = SepaTransfer(config, schema=args.format)
    for payment in data["payments"]:
        creditor = payment["creditor"]
        transfer.add_payment(
            {
                "name": creditor["name"],
                "IBAN": creditor["iban"],
                "BIC": creditor["bic"],
                "amount": int(Decimal(payment["amount"]) * 100),
                "execution_date": date.fromisoformat(payment["execution_date"]),
                "description": payment["remittance"]["value"],
                "endtoend_id": payment["end_to_end_id"],
            }
        )
    args.output.write_bytes(transfer.export(validate=False))
    print(f"{len(data['payments'])} payments written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

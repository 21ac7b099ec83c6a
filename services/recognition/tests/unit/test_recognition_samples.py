"""The sample invoices the README's walkthrough delivers and pays are read completely."""

import uuid
from decimal import Decimal

import pytest
from ledgerline.devstack.paths import REPO_ROOT
from recognition.domain.recognize import recognize
from recognition.domain.result_view import result_view
from schwifty import IBAN
from stdnum.be import ogm_vcs, vat

SAMPLES = REPO_ROOT / "docs" / "samples"


@pytest.mark.parametrize(
    ("name", "media_type", "source", "number", "total", "iban"),
    [
        ("invoice.xml", "application/xml", "ubl", "2026-0042", "422.45", "BE71096123456769"),
        ("invoice.pdf", "application/pdf", "air", "F2026-118", "713.30", "BE32734199722302"),
    ],
)
def test_sample_invoice_is_read_and_payable(
    name: str, media_type: str, source: str, number: str, total: str, iban: str
) -> None:
    result = recognize(uuid.uuid4(), (SAMPLES / name).read_bytes(), media_type)
    view = result_view(result)
    assert (view.status, view.source) == ("ok", source)
    fields = view.fields
    assert fields.invoice_number == number
    assert fields.total_incl_vat == Decimal(total)
    assert fields.total_excl_vat is not None and fields.total_vat is not None
    assert fields.total_excl_vat + fields.total_vat == fields.total_incl_vat
    assert (fields.customer_name, fields.customer_vat) == ("Bakkerij Peeters BV", "BE0123456749")
    assert fields.supplier_vat is not None and vat.is_valid(fields.supplier_vat)
    assert fields.iban == iban and IBAN(iban).country_code == "BE"
    assert fields.payment_reference is not None and ogm_vcs.is_valid(fields.payment_reference)

"""Never pay an invoice twice through two documents; know each document's mailbox.

Payable invoices get comparison keys of their number and supplier (VAT number, IBAN, name), so
that the PDF of an invoice and its photo are recognised as one invoice; the keys of invoices
recognised before are filled here the same way `payments.domain.payment.identity_key` does.
`received_documents` keeps the mailbox of each document from document.received.v1.

Revision ID: 0003_inputs
Revises: 0003_tenancy
"""

from alembic import op

revision = "0003_inputs"
down_revision = "0003_tenancy"
branch_labels = None
depends_on = None


def _key(column: str) -> str:
    return f"NULLIF(upper(regexp_replace({column}, '[^0-9A-Za-z]', '', 'g')), '')"


def upgrade() -> None:
    op.execute(
        f"""
        ALTER TABLE payable_invoices
            ADD COLUMN invoice_key text, ADD COLUMN supplier_vat_key text,
            ADD COLUMN iban_key text, ADD COLUMN supplier_name_key text;
        UPDATE payable_invoices SET
            invoice_key = {_key("invoice_number")},
            supplier_vat_key = {_key("supplier_vat")},
            iban_key = {_key("iban")},
            supplier_name_key = {_key("supplier_name")};
        CREATE INDEX payable_invoices_by_invoice_key
            ON payable_invoices (office_id, dossier_id, invoice_key);

        CREATE TABLE received_documents (
            document_id uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            mailbox     text        NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE received_documents; DROP INDEX payable_invoices_by_invoice_key; "
        "ALTER TABLE payable_invoices DROP COLUMN invoice_key, DROP COLUMN supplier_vat_key, "
        "DROP COLUMN iban_key, DROP COLUMN supplier_name_key;"
    )

"""Mailboxes: labels, page count, duplicate flag, soft delete with its reason, booking number,
comments; document files in a content-addressed store (by sha256) instead of on each row.

Rows stored before this revision keep their bytes in `documents.content`; new rows leave it null
and the bytes live once in `document_blobs`, whatever the number of documents that have them.

Revision ID: 0007_mailbox
Revises: 0006_email
"""

from alembic import op

revision = "0007_mailbox"
down_revision = "0006_email"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE document_blobs (
            sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
            content    bytea       NOT NULL,
            stored_at  timestamptz NOT NULL DEFAULT now()
        );
        ALTER TABLE documents
            ALTER COLUMN content DROP NOT NULL,
            ADD COLUMN labels          text[]  NOT NULL DEFAULT '{}',
            ADD COLUMN page_count      integer,
            ADD COLUMN duplicate_of    uuid,
            ADD COLUMN deleted_at      timestamptz,
            ADD COLUMN deleted_by      text,
            ADD COLUMN delete_reason   text,
            ADD COLUMN document_number text;
        CREATE INDEX documents_by_content ON documents (office_id, dossier_id, sha256);
        CREATE INDEX documents_by_label ON documents USING gin (labels);

        CREATE TABLE document_comments (
            id          uuid        PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            document_id uuid        NOT NULL REFERENCES documents (id),
            author      text        NOT NULL,
            body        text        NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX document_comments_by_document ON document_comments (document_id, created_at);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE document_comments;
        DROP INDEX documents_by_label;
        DROP INDEX documents_by_content;
        UPDATE documents SET content = b.content FROM document_blobs b
            WHERE documents.content IS NULL AND b.sha256 = documents.sha256;
        ALTER TABLE documents
            ALTER COLUMN content SET NOT NULL,
            DROP COLUMN labels, DROP COLUMN page_count, DROP COLUMN duplicate_of,
            DROP COLUMN deleted_at, DROP COLUMN deleted_by, DROP COLUMN delete_reason,
            DROP COLUMN document_number;
        DROP TABLE document_blobs;
        """
    )

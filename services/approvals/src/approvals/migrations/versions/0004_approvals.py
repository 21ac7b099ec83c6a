"""Approvals that decide: versioned invoice and payment rules, the invoice process switch,
approvals and their decisions, approvers' e-mail times, and the append-only audit trail.

The audit trail and the rule versions cannot be changed: a trigger raises on UPDATE, DELETE and
TRUNCATE (for every role, the owner too), and UPDATE, DELETE and TRUNCATE are revoked from the
service's own role.

Revision ID: 0004_approvals
Revises: 0003_outbox
"""

from alembic import op

revision = "0004_approvals"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_trail", "rule_versions")


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE invoice_approval_rules
            ADD COLUMN version    integer     NOT NULL DEFAULT 1,
            ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
            ADD COLUMN deleted_at timestamptz;

        CREATE TABLE payment_approval_rules (
            id          uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            name        text        NOT NULL,
            limits      jsonb       NOT NULL,
            active      boolean     NOT NULL DEFAULT true,
            version     integer     NOT NULL DEFAULT 1,
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now(),
            deleted_at  timestamptz
        );
        CREATE INDEX payment_rules_by_dossier ON payment_approval_rules (office_id, dossier_id);

        -- Every version of every rule, as it was: approvals point here.
        CREATE TABLE rule_versions (
            rule_id     uuid        NOT NULL,
            version     integer     NOT NULL,
            kind        text        NOT NULL CHECK (kind IN ('invoice', 'payment')),
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            snapshot    jsonb       NOT NULL,
            created_by  text        NOT NULL,
            created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (rule_id, version)
        );

        CREATE TABLE invoice_approval_process (
            dossier_id  uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            enabled     boolean     NOT NULL,
            updated_by  text        NOT NULL,
            updated_at  timestamptz NOT NULL DEFAULT now()
        );

        -- A purchase document as approvals learns it from two topics, in either order.
        CREATE TABLE incoming_documents (
            document_id uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            mailbox     text,
            facts       jsonb,
            evaluated   boolean     NOT NULL DEFAULT false
        );

        CREATE TABLE approvals (
            id              uuid PRIMARY KEY,
            office_id       uuid        NOT NULL,
            dossier_id      uuid        NOT NULL,
            kind            text        NOT NULL CHECK (kind IN ('invoice', 'payment')),
            subject_id      uuid        NOT NULL,
            status          text        NOT NULL
                            CHECK (status IN ('pending', 'blocked', 'approved', 'rejected')),
            amount          numeric(15, 2),
            counterparty    text,
            details         jsonb       NOT NULL DEFAULT '{}',
            requirement     jsonb       NOT NULL,
            limits          jsonb       NOT NULL DEFAULT '{}',
            blocked_reason  text,
            created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
            decided_at      timestamptz,
            decision_reason text,
            UNIQUE (kind, subject_id)
        );
        CREATE INDEX approvals_by_dossier ON approvals (office_id, dossier_id, kind, status);

        -- One decision per approver and approval: approving twice is refused by the key too.
        CREATE TABLE approval_decisions (
            approval_id uuid        NOT NULL REFERENCES approvals (id),
            approver    text        NOT NULL,
            decision    text        NOT NULL CHECK (decision IN ('approved', 'rejected')),
            reason      text,
            decided_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
            PRIMARY KEY (approval_id, approver)
        );

        -- When each approver was last e-mailed what waits for them (at most once an hour).
        CREATE TABLE approval_notifications (
            approver     text PRIMARY KEY,
            last_sent_at timestamptz NOT NULL
        );

        CREATE TABLE audit_trail (
            id          bigserial PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            at          timestamptz NOT NULL DEFAULT clock_timestamp(),
            actor       text        NOT NULL,
            action      text        NOT NULL,
            entity      text        NOT NULL,
            entity_id   uuid        NOT NULL,
            before      jsonb,
            after       jsonb,
            reason      text
        );
        CREATE INDEX audit_by_entity ON audit_trail (office_id, dossier_id, entity, entity_id, id);

        CREATE FUNCTION refuse_change_of_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END;
        $$;
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_of_append_only();
            REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC, CURRENT_USER;
            """
        )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE audit_trail;
        DROP TABLE approval_notifications;
        DROP TABLE approval_decisions;
        DROP TABLE approvals;
        DROP TABLE incoming_documents;
        DROP TABLE invoice_approval_process;
        DROP TABLE rule_versions;
        DROP TABLE payment_approval_rules;
        DROP FUNCTION refuse_change_of_append_only();
        ALTER TABLE invoice_approval_rules
            DROP COLUMN version, DROP COLUMN updated_at, DROP COLUMN deleted_at;
        """
    )

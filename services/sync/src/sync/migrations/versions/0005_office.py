"""Office administration: office settings, employees with their dossiers and client groups,
client groups, dossier users (client profiles); the dossier's activation options; what the last
sync run saw of each record (for delta syncs).

Revision ID: 0005_office
Revises: 0004_posting
"""

from alembic import op

revision = "0005_office"
down_revision = "0004_posting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE office_settings (
            office_id                       uuid PRIMARY KEY,
            name                            text,
            payment_module_allowed          boolean     NOT NULL DEFAULT false,
            key_figures_closed_periods_only boolean     NOT NULL DEFAULT false,
            dossier_activation              text        NOT NULL DEFAULT 'admins'
                CHECK (dossier_activation IN ('admins', 'employees')),
            updated_at                      timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE employees (
            office_id  uuid        NOT NULL,
            subject    text        NOT NULL,
            name       text        NOT NULL,
            email      text        NOT NULL,
            role       text        NOT NULL CHECK (role IN ('admin', 'employee', 'support')),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (office_id, subject),
            UNIQUE (office_id, email)
        );

        CREATE TABLE client_groups (
            id         uuid PRIMARY KEY,
            office_id  uuid        NOT NULL,
            name       text        NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (office_id, name)
        );

        CREATE TABLE client_group_dossiers (
            group_id   uuid NOT NULL REFERENCES client_groups (id) ON DELETE CASCADE,
            dossier_id uuid NOT NULL REFERENCES dossiers (id),
            PRIMARY KEY (group_id, dossier_id)
        );

        CREATE TABLE employee_dossiers (
            office_id  uuid NOT NULL,
            subject    text NOT NULL,
            dossier_id uuid NOT NULL REFERENCES dossiers (id),
            PRIMARY KEY (office_id, subject, dossier_id),
            FOREIGN KEY (office_id, subject) REFERENCES employees ON DELETE CASCADE
        );

        CREATE TABLE employee_client_groups (
            office_id uuid NOT NULL,
            subject   text NOT NULL,
            group_id  uuid NOT NULL REFERENCES client_groups (id) ON DELETE CASCADE,
            PRIMARY KEY (office_id, subject, group_id),
            FOREIGN KEY (office_id, subject) REFERENCES employees ON DELETE CASCADE
        );

        CREATE TABLE dossier_users (
            office_id  uuid        NOT NULL,
            dossier_id uuid        NOT NULL REFERENCES dossiers (id),
            subject    text        NOT NULL,
            name       text        NOT NULL,
            email      text        NOT NULL,
            profile    text        NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (dossier_id, subject)
        );
        CREATE INDEX dossier_users_by_subject ON dossier_users (office_id, subject);

        ALTER TABLE dossiers
            ADD COLUMN installation              text,
            ADD COLUMN validation                text    NOT NULL DEFAULT 'office',
            ADD COLUMN payment_module            boolean NOT NULL DEFAULT false,
            ADD COLUMN financial_menu            boolean NOT NULL DEFAULT true,
            ADD COLUMN vat_exempt                boolean NOT NULL DEFAULT false,
            ADD COLUMN nightly_sync              boolean NOT NULL DEFAULT true,
            ADD COLUMN books_up_to_date_until    date,
            ADD COLUMN proposal_counter_reset_at timestamptz,
            ADD COLUMN active_period             text;

        -- What the latest sync run published of each record: a delta run sends what changed.
        CREATE TABLE synced_records (
            dossier_id  uuid NOT NULL,
            kind        text NOT NULL,
            key         text NOT NULL,
            fingerprint text NOT NULL,
            PRIMARY KEY (dossier_id, kind, key)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE synced_records;
        ALTER TABLE dossiers
            DROP COLUMN installation, DROP COLUMN validation, DROP COLUMN payment_module,
            DROP COLUMN financial_menu, DROP COLUMN vat_exempt, DROP COLUMN nightly_sync,
            DROP COLUMN books_up_to_date_until, DROP COLUMN proposal_counter_reset_at,
            DROP COLUMN active_period;
        DROP TABLE dossier_users;
        DROP TABLE employee_client_groups;
        DROP TABLE employee_dossiers;
        DROP TABLE client_group_dossiers;
        DROP TABLE client_groups;
        DROP TABLE employees;
        DROP TABLE office_settings;
        """
    )

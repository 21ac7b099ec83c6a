"""Conversations between the office and a dossier's users: messages, attachments, who took
part and how far each read, e-mail notifications waiting to be sent, message templates.

Revision ID: 0007_conversations
Revises: 0006_suggest
"""

from alembic import op

revision = "0007_conversations"
down_revision = "0006_suggest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE conversations (
            id              uuid PRIMARY KEY,
            office_id       uuid        NOT NULL,
            dossier_id      uuid        NOT NULL,
            subject         text        NOT NULL,
            audience        text        NOT NULL CHECK (audience IN ('everyone', 'user')),
            addressed_to    text,
            document_id     uuid,
            proposal_id     uuid,
            status          text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
            started_by      text        NOT NULL,
            started_by_side text        NOT NULL CHECK (started_by_side IN ('office', 'client')),
            created_at      timestamptz NOT NULL DEFAULT now(),
            last_message_at timestamptz NOT NULL DEFAULT now(),
            closed_at       timestamptz,
            closed_by       text,
            CHECK ((audience = 'user') = (addressed_to IS NOT NULL))
        );
        CREATE INDEX conversations_by_dossier
            ON conversations (office_id, dossier_id, last_message_at DESC);
        CREATE INDEX conversations_by_document
            ON conversations (office_id, dossier_id, document_id) WHERE document_id IS NOT NULL;

        CREATE TABLE conversation_messages (
            id              uuid PRIMARY KEY,
            -- The order of messages, and what a read marker points at.
            seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
            conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            author          text        NOT NULL,
            author_side     text        NOT NULL CHECK (author_side IN ('office', 'client')),
            author_role     text        NOT NULL,
            text            text        NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX conversation_messages_in_order ON conversation_messages (conversation_id, seq);

        CREATE TABLE conversation_attachments (
            id           uuid PRIMARY KEY,
            message_id   uuid    NOT NULL REFERENCES conversation_messages (id) ON DELETE CASCADE,
            position     integer NOT NULL,
            filename     text    NOT NULL,
            content_type text    NOT NULL,
            size         integer NOT NULL,
            sha256       text    NOT NULL,
            content      bytea   NOT NULL
        );
        CREATE INDEX conversation_attachments_by_message ON conversation_attachments (message_id);

        -- Who took part (started, was addressed, wrote or read) and how far each has read.
        CREATE TABLE conversation_participants (
            conversation_id uuid   NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            subject         text   NOT NULL,  -- lower case
            side            text   NOT NULL CHECK (side IN ('office', 'client')),
            role            text,             -- null: addressed by name, not seen yet
            last_read_seq   bigint NOT NULL DEFAULT 0,
            last_read_at    timestamptz,
            PRIMARY KEY (conversation_id, subject)
        );
        CREATE INDEX conversation_participants_by_subject ON conversation_participants (subject);

        -- E-mails about new messages, written with the message and sent after the commit by the
        -- notifier; one the mail server did not take is tried again later.
        CREATE TABLE conversation_notifications (
            id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            message_id      uuid        NOT NULL REFERENCES conversation_messages (id) ON DELETE CASCADE,
            recipient       text        NOT NULL,
            status          text        NOT NULL DEFAULT 'pending'
                                        CHECK (status IN ('pending', 'sent', 'failed')),
            attempts        integer     NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL DEFAULT now(),
            last_error      text,
            sent_at         timestamptz,
            UNIQUE (message_id, recipient)
        );
        CREATE INDEX conversation_notifications_due
            ON conversation_notifications (next_attempt_at) WHERE status = 'pending';

        CREATE TABLE message_templates (
            id         uuid PRIMARY KEY,
            office_id  uuid        NOT NULL,
            name       text        NOT NULL,
            language   text        NOT NULL,
            subject    text        NOT NULL,
            body       text        NOT NULL,
            updated_by text        NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (office_id, name, language)
        );
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE message_templates; DROP TABLE conversation_notifications; "
        "DROP TABLE conversation_participants; DROP TABLE conversation_attachments; "
        "DROP TABLE conversation_messages; DROP TABLE conversations;"
    )

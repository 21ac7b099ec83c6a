"""SQL for conversations, their messages, attachments, read markers, e-mail notifications and
the office's message templates. Every query is scoped by office and dossier (or office alone for
templates); who may read what is decided by `worklist.domain.conversations`, and the list
queries apply the same rule through `Visibility`."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.auth import OFFICE_ROLES
from uuid_utils.compat import uuid7

from worklist.domain.conversations import (
    Addressing,
    Audience,
    Reader,
    Side,
    may_read,
    normalised,
    unread_side,
)


@dataclass(frozen=True)
class Visibility:
    """The reader's view of a dossier's conversations, as query parameters: the office reads
    all; a client reads everyone-conversations when `may_read` says so, and their own."""

    reads_all: bool
    reads_everyone: bool
    subject: str
    unread_side: str

    @classmethod
    def of(cls, reader: Reader) -> "Visibility":
        return cls(
            reads_all=reader.role in OFFICE_ROLES,
            reads_everyone=may_read(reader, Addressing(Audience.EVERYONE)),
            subject=normalised(reader.subject),
            unread_side=unread_side(reader).value,
        )


# $1 reads_all, $2 reads_everyone, $3 subject, $4 unread side; conversations as `c`.
_VISIBLE = (
    "($1::boolean OR (c.audience = 'everyone' AND $2::boolean) OR lower(c.addressed_to) = $3)"
)
_UNREAD = """(SELECT count(*) FROM conversation_messages m
     WHERE m.conversation_id = c.id AND m.author_side = $4
       AND m.seq > coalesce((SELECT p.last_read_seq FROM conversation_participants p
                             WHERE p.conversation_id = c.id AND p.subject = $3), 0))"""
_COLUMNS = f"""c.*,
    (SELECT count(*) FROM conversation_messages m WHERE m.conversation_id = c.id) AS message_count,
    {_UNREAD} AS unread"""


def _visibility_args(visibility: Visibility) -> list[Any]:
    return [
        visibility.reads_all,
        visibility.reads_everyone,
        visibility.subject,
        visibility.unread_side,
    ]


async def dossier_name(conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID) -> str | None:
    return await conn.fetchval(  # type: ignore[no-any-return]
        "SELECT name FROM dossiers WHERE id = $1 AND office_id = $2", dossier_id, office_id
    )


async def proposal_facts(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID, proposal_id: UUID
) -> asyncpg.Record | None:
    """What a conversation started from a proposal needs of it (read-only)."""
    return await conn.fetchrow(
        """SELECT document_id, invoice_number, invoice_date, counterparty_name, currency,
                  total_incl_vat
           FROM proposals WHERE office_id = $1 AND dossier_id = $2 AND id = $3""",
        office_id,
        dossier_id,
        proposal_id,
    )


async def insert_conversation(
    conn: asyncpg.Connection,
    *,
    office_id: UUID,
    dossier_id: UUID,
    subject: str,
    addressing: Addressing,
    document_id: UUID | None,
    proposal_id: UUID | None,
    started_by: Reader,
) -> UUID:
    conversation_id = uuid7()
    await conn.execute(
        """INSERT INTO conversations (id, office_id, dossier_id, subject, audience, addressed_to,
                                      document_id, proposal_id, started_by, started_by_side)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        conversation_id,
        office_id,
        dossier_id,
        subject,
        addressing.audience.value,
        addressing.addressed_to,
        document_id,
        proposal_id,
        started_by.subject,
        started_by.side.value,
    )
    if addressing.addressed_to is not None:
        await add_participant(conn, conversation_id, addressing.addressed_to, Side.CLIENT, None)
    return conversation_id


async def add_participant(
    conn: asyncpg.Connection,
    conversation_id: UUID,
    subject: str,
    side: Side,
    role: str | None,
    read_up_to: int | None = None,
) -> None:
    """Records someone as taking part; a read marker only ever moves forward."""
    await conn.execute(
        """INSERT INTO conversation_participants
               (conversation_id, subject, side, role, last_read_seq, last_read_at)
           VALUES ($1, $2, $3, $4, coalesce($5, 0), CASE WHEN $5::bigint IS NULL THEN NULL
                                                     ELSE now() END)
           ON CONFLICT (conversation_id, subject) DO UPDATE SET
               role = coalesce(EXCLUDED.role, conversation_participants.role),
               side = CASE WHEN EXCLUDED.role IS NULL THEN conversation_participants.side
                           ELSE EXCLUDED.side END,
               last_read_seq = greatest(conversation_participants.last_read_seq,
                                        EXCLUDED.last_read_seq),
               last_read_at = CASE
                   WHEN EXCLUDED.last_read_seq > conversation_participants.last_read_seq
                   THEN now() ELSE conversation_participants.last_read_at END""",
        conversation_id,
        normalised(subject),
        side.value,
        role,
        read_up_to,
    )


async def participants(conn: asyncpg.Connection, conversation_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(  # type: ignore[no-any-return]
        "SELECT subject, side, role FROM conversation_participants WHERE conversation_id = $1",
        conversation_id,
    )


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes


async def insert_message(
    conn: asyncpg.Connection,
    conversation_id: UUID,
    author: Reader,
    text: str,
    attachments: Sequence[NewAttachment],
) -> asyncpg.Record:
    """The message and its attachments; the author has read everything up to it."""
    row = await conn.fetchrow(
        """INSERT INTO conversation_messages (id, conversation_id, author, author_side,
                                              author_role, text)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, seq, created_at""",
        uuid7(),
        conversation_id,
        author.subject,
        author.side.value,
        author.role.value,
        text,
    )
    assert row is not None
    await conn.executemany(
        """INSERT INTO conversation_attachments (id, message_id, position, filename, content_type,
                                                 size, sha256, content)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        [
            (
                uuid7(),
                row["id"],
                position,
                attachment.filename,
                attachment.content_type,
                len(attachment.content),
                hashlib.sha256(attachment.content).hexdigest(),
                attachment.content,
            )
            for position, attachment in enumerate(attachments)
        ],
    )
    await conn.execute(
        "UPDATE conversations SET last_message_at = $2 WHERE id = $1",
        conversation_id,
        row["created_at"],
    )
    await add_participant(
        conn, conversation_id, author.subject, author.side, author.role.value, row["seq"]
    )
    return row


async def list_conversations(
    conn: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    visibility: Visibility,
    *,
    status: str | None,
    document_id: UUID | None,
    unread_only: bool,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(  # type: ignore[no-any-return]
        f"""SELECT * FROM (
                SELECT {_COLUMNS} FROM conversations c
                WHERE c.office_id = $5 AND c.dossier_id = $6 AND {_VISIBLE}
                  AND ($7::text IS NULL OR c.status = $7)
                  AND ($8::uuid IS NULL OR c.document_id = $8)
            ) listed
            WHERE NOT $9::boolean OR unread > 0
            ORDER BY last_message_at DESC, id
            LIMIT $10 OFFSET $11""",
        *_visibility_args(visibility),
        office_id,
        dossier_id,
        status,
        document_id,
        unread_only,
        limit,
        offset,
    )


async def get_conversation(
    conn: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    conversation_id: UUID,
    visibility: Visibility,
    *,
    for_update: bool = False,
) -> asyncpg.Record | None:
    """The conversation if the reader may see it (None otherwise: not found for them).
    `for_update` locks it: messages and closing of one conversation are serialised, so a
    message never lands in a conversation that was closed meanwhile."""
    return await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM conversations c
            WHERE c.office_id = $5 AND c.dossier_id = $6 AND c.id = $7 AND {_VISIBLE}
            {"FOR UPDATE OF c" if for_update else ""}""",
        *_visibility_args(visibility),
        office_id,
        dossier_id,
        conversation_id,
    )


async def messages(
    conn: asyncpg.Connection,
    conversation_id: UUID,
    limit: int,
    offset: int,
    *,
    message_id: UUID | None = None,
) -> list[asyncpg.Record]:
    """Oldest first, each with its attachments (without content) and who on the other side
    has read it."""
    return await conn.fetch(  # type: ignore[no-any-return]
        """SELECT m.id, m.author, m.author_side, m.author_role, m.text, m.created_at,
                  coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'id', a.id, 'filename', a.filename,
                                'content_type', a.content_type, 'size', a.size,
                                'sha256', a.sha256) ORDER BY a.position)
                            FROM conversation_attachments a WHERE a.message_id = m.id),
                           '[]'::jsonb) AS attachments,
                  coalesce((SELECT array_agg(p.subject ORDER BY p.subject)
                            FROM conversation_participants p
                            WHERE p.conversation_id = m.conversation_id
                              AND p.side <> m.author_side AND p.last_read_seq >= m.seq),
                           '{}') AS read_by
           FROM conversation_messages m
           WHERE m.conversation_id = $1 AND ($4::uuid IS NULL OR m.id = $4)
           ORDER BY m.seq LIMIT $2 OFFSET $3""",
        conversation_id,
        limit,
        offset,
        message_id,
    )


async def attachment(
    conn: asyncpg.Connection, conversation_id: UUID, attachment_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT a.filename, a.content_type, a.size, a.sha256, a.content
           FROM conversation_attachments a JOIN conversation_messages m ON m.id = a.message_id
           WHERE a.id = $1 AND m.conversation_id = $2""",
        attachment_id,
        conversation_id,
    )


async def last_seq(conn: asyncpg.Connection, conversation_id: UUID) -> int:
    return await conn.fetchval(  # type: ignore[no-any-return]
        "SELECT coalesce(max(seq), 0) FROM conversation_messages WHERE conversation_id = $1",
        conversation_id,
    )


async def message_seq(
    conn: asyncpg.Connection, conversation_id: UUID, message_id: UUID
) -> int | None:
    return await conn.fetchval(  # type: ignore[no-any-return]
        "SELECT seq FROM conversation_messages WHERE conversation_id = $1 AND id = $2",
        conversation_id,
        message_id,
    )


async def set_status(conn: asyncpg.Connection, conversation_id: UUID, status: str, by: str) -> None:
    await conn.execute(
        """UPDATE conversations SET status = $2,
               closed_at = CASE WHEN $2 = 'closed' THEN now() END,
               closed_by = CASE WHEN $2 = 'closed' THEN $3 END
           WHERE id = $1""",
        conversation_id,
        status,
        by,
    )


async def unread_per_dossier(
    conn: asyncpg.Connection,
    office_id: UUID,
    dossier_ids: Sequence[UUID] | None,
    visibility: Visibility,
) -> list[asyncpg.Record]:
    """Per active dossier of the office (all of them when `dossier_ids` is None): unread
    messages and conversations with unread messages, for the reader."""
    return await conn.fetch(  # type: ignore[no-any-return]
        f"""SELECT d.id AS dossier_id, d.name AS dossier_name,
                   coalesce(sum(x.unread), 0)::bigint AS unread_messages,
                   count(x.id) FILTER (WHERE x.unread > 0) AS unread_conversations,
                   count(x.id) FILTER (WHERE x.status = 'open') AS open_conversations
            FROM dossiers d
            LEFT JOIN LATERAL (
                SELECT c.id, c.status, {_UNREAD} AS unread FROM conversations c
                WHERE c.office_id = d.office_id AND c.dossier_id = d.id AND {_VISIBLE}
            ) x ON true
            WHERE d.office_id = $5 AND d.active AND ($6::uuid[] IS NULL OR d.id = ANY($6))
            GROUP BY d.id, d.name ORDER BY d.name, d.id""",
        *_visibility_args(visibility),
        office_id,
        list(dossier_ids) if dossier_ids is not None else None,
    )


async def add_notifications(
    conn: asyncpg.Connection, message_id: UUID, recipients: Sequence[str]
) -> None:
    await conn.executemany(
        "INSERT INTO conversation_notifications (message_id, recipient) VALUES ($1, $2)"
        " ON CONFLICT DO NOTHING",
        [(message_id, recipient) for recipient in recipients],
    )


async def claim_due_notifications(
    conn: asyncpg.Connection, lease_seconds: float, limit: int = 20
) -> list[asyncpg.Record]:
    """Due e-mails, leased to this process: another process skips them until the lease ends
    (a process that dies mid-send leaves them to be tried again)."""
    return await conn.fetch(  # type: ignore[no-any-return]
        """WITH due AS (
               SELECT id FROM conversation_notifications
               WHERE status = 'pending' AND next_attempt_at <= now()
               ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
           UPDATE conversation_notifications n
           SET attempts = n.attempts + 1,
               next_attempt_at = now() + make_interval(secs => $1)
           FROM due, conversation_messages m, conversations c, dossiers d
           WHERE n.id = due.id AND m.id = n.message_id AND c.id = m.conversation_id
             AND d.id = c.dossier_id
           RETURNING n.id, n.recipient, n.attempts, m.author, m.text, c.id AS conversation_id,
                     c.dossier_id, c.subject, d.name AS dossier_name""",
        lease_seconds,
        limit,
    )


async def notification_sent(conn: asyncpg.Connection, notification_id: int) -> None:
    await conn.execute(
        "UPDATE conversation_notifications SET status = 'sent', sent_at = now(), last_error = NULL"
        " WHERE id = $1",
        notification_id,
    )


async def notification_not_sent(
    conn: asyncpg.Connection, notification_id: int, error: str, retry_in: float, give_up: bool
) -> None:
    await conn.execute(
        """UPDATE conversation_notifications
           SET last_error = $2, next_attempt_at = now() + make_interval(secs => $3),
               status = CASE WHEN $4 THEN 'failed' ELSE 'pending' END
           WHERE id = $1""",
        notification_id,
        error[:1000],
        retry_in,
        give_up,
    )


async def notifications_of(conn: asyncpg.Connection, message_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(  # type: ignore[no-any-return]
        "SELECT recipient, status, attempts, last_error, sent_at FROM conversation_notifications"
        " WHERE message_id = $1 ORDER BY recipient",
        message_id,
    )


# --- templates -------------------------------------------------------------------------------


async def list_templates(conn: asyncpg.Connection, office_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(  # type: ignore[no-any-return]
        "SELECT * FROM message_templates WHERE office_id = $1 ORDER BY name, language", office_id
    )


async def get_template(
    conn: asyncpg.Connection, office_id: UUID, template_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM message_templates WHERE office_id = $1 AND id = $2", office_id, template_id
    )


async def save_template(
    conn: asyncpg.Connection,
    office_id: UUID,
    template_id: UUID,
    values: dict[str, str],
    by: str,
    *,
    create: bool,
) -> asyncpg.Record | None:
    """Inserts or updates; raises asyncpg.UniqueViolationError for a name and language the
    office has already; None when the template to update is not the office's."""
    if create:
        return await conn.fetchrow(
            """INSERT INTO message_templates (id, office_id, name, language, subject, body,
                                              updated_by)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *""",
            template_id,
            office_id,
            values["name"],
            values["language"],
            values["subject"],
            values["body"],
            by,
        )
    return await conn.fetchrow(
        """UPDATE message_templates SET name = $3, language = $4, subject = $5, body = $6,
                                        updated_by = $7, updated_at = now()
           WHERE office_id = $1 AND id = $2 RETURNING *""",
        office_id,
        template_id,
        values["name"],
        values["language"],
        values["subject"],
        values["body"],
        by,
    )


async def delete_template(conn: asyncpg.Connection, office_id: UUID, template_id: UUID) -> bool:
    deleted = await conn.execute(
        "DELETE FROM message_templates WHERE office_id = $1 AND id = $2", office_id, template_id
    )
    return deleted.endswith(" 1")  # type: ignore[no-any-return]


async def move_document_conversations(
    conn: asyncpg.Connection, office_id: UUID, from_dossier: UUID, document_id: UUID, target: UUID
) -> None:
    """The conversations about a document go with it to another dossier of the office: the
    office and the new dossier's users read them there; the old dossier's users no longer do
    (the document is not their company's)."""
    await conn.execute(
        """UPDATE conversations SET dossier_id = $4
        WHERE office_id = $1 AND dossier_id = $2 AND document_id = $3""",
        office_id,
        from_dossier,
        document_id,
        target,
    )

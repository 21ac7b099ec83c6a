"""Conversations between the office and a dossier's users (seed 003, "De communicatiemodule"):
about the dossier or a document (started from its proposal: "ask the client"), with everyone in
the dossier or one user, with text and attachments; unread counts; the office's message
templates. Who may read what: `worklist.domain.conversations`. A conversation the caller may
not read is answered 404, like one that does not exist (`access`).

One module per area: `conversations` (list, start, read one), `messages` (read, write,
attachments, read markers), `closing` (close, reopen), `unread` (counts), `templates` (the
office's message templates); their bodies in `models`.
"""

from fastapi import APIRouter

from worklist.conversations_notifier import router as notifier_router
from worklist.entrypoints.conversations_api import (
    closing,
    conversations,
    messages,
    templates,
    unread,
)

# In this order, the routes (and the OpenAPI document) stay as they were in one router; then
# the notifier that e-mails new messages (a router with a lifespan).
ROUTERS: list[APIRouter] = [
    conversations.router,
    messages.router,
    closing.router,
    unread.router,
    templates.router,
    notifier_router,
]

"""Who may do what in the client portal's mailboxes (seed 003, "Een dossier configureren 4/5").

The client user profiles (the token's `role`):

- administrator: everything, the dossier's intake settings too;
- full access: everything in the portal (not the dossier's settings);
- document processing: upload, edit and send, but not the archive;
- document processing + archive: that and the archive;
- full feedback: sees the mailboxes and the archive, but may not upload, edit or send;
- document delivery: may only upload (it sees the mailboxes it delivers into; it may not edit,
  send, or see the archive).

Office users: admins and employees do everything a client can (they work for the client);
a support user works only in the worklists and has no access to the client portal, so none to
the mailboxes; it may still open a document (and its file) the worklist shows it. Other
Ledgerline services read documents and their files (recognition fetches the content).
"""

from ledgerline.auth import CLIENT_ROLES, Role

# The office roles that act in the client portal; support has no access to it.
PORTAL_OFFICE_ROLES = frozenset({Role.ADMIN, Role.EMPLOYEE})

# See the mailboxes (purchase, sales, misc, in processing), counters, labels, comments.
MAILBOX_READERS = PORTAL_OFFICE_ROLES | CLIENT_ROLES
# Deliver documents into a mailbox.
UPLOADERS = MAILBOX_READERS - {Role.CLIENT_FULL_FEEDBACK}
# Rename, labels, comments, handled, delete (and merge / split).
EDITORS = PORTAL_OFFICE_ROLES | {
    Role.CLIENT_ADMINISTRATOR,
    Role.CLIENT_FULL_ACCESS,
    Role.CLIENT_DOCUMENT_PROCESSING,
    Role.CLIENT_DOCUMENT_PROCESSING_ARCHIVE,
}
# Send documents to the office.
SENDERS = EDITORS
# The client profiles without the archive (booked documents).
WITHOUT_ARCHIVE = frozenset({Role.CLIENT_DOCUMENT_DELIVERY, Role.CLIENT_DOCUMENT_PROCESSING})
ARCHIVE_READERS = MAILBOX_READERS - WITHOUT_ARCHIVE
# Open one document and its file: the mailbox readers, the worklist's support users, services.
DOCUMENT_READERS = MAILBOX_READERS | {Role.SUPPORT, Role.SERVICE}
# Change the dossier's intake settings (auto-forward, sender whitelist).
SETTINGS_EDITORS = PORTAL_OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR}


def sees_archive(role: Role) -> bool:
    """Whether `role` may see booked documents (the archive)."""
    return role not in WITHOUT_ARCHIVE

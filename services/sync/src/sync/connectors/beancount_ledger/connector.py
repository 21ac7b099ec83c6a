"""The reference connector: each dossier's books are a Beancount ledger on disk.

`<root>/<dossier code>/main.beancount` holds the options, the closed-periods plugin and the
includes; `bookings.beancount` holds what the platform wrote (bookings, payments, new
counterparties); the other included files (chart, master data, history) are the package's own.

Every write is checked by Beancount before it reaches the disk: the would-be ledger (the current
files with the new bookings text in place of `bookings.beancount`) is loaded with
`beancount.loader.load_string`, and any error refuses the write with Beancount's own message.
The checked text is then written atomically (temporary file in the same folder, fsync,
`os.replace`, fsync of the folder), under an exclusive lock per dossier, so the file on disk is
always either the old or the new ledger. Postings are idempotent on the proposal id (metadata
`proposal-id`), payments on the payment id (`payment-id`).
"""

import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from beancount import loader
from beancount.core import data
from beancount.parser import parser, printer

from sync.connectors.beancount_ledger import books as ledger_books
from sync.connectors.beancount_ledger import entries as ledger_entries
from sync.connectors.beancount_ledger import reports as ledger_reports
from sync.connectors.beancount_ledger.books import Books, NumberFormat
from sync.connectors.contract import (
    BookingRefused,
    BookingToDelete,
    BookingToPost,
    ConnectorUnavailable,
    Counterparty,
    DeletedBooking,
    JournalisedPayment,
    LedgerMovement,
    LedgerSnapshot,
    OpenItem,
    OpenItemMovement,
    PaymentToJournalise,
    PostedBooking,
    UnknownDossier,
)

MAIN = "main.beancount"
BOOKINGS = "bookings.beancount"
LOCK = ".ledgerline.lock"
_DOSSIER_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_INCLUDE = re.compile(r'^include\s+"([^"]+)"\s*$', re.MULTILINE)


class Ledger:
    """A loaded ledger: entries with Beancount's errors, and the books read from them."""

    def __init__(self, entries: list[data.Directive], errors: list) -> None:
        self.entries = entries
        self.errors = errors
        self.books: Books = ledger_books.read_books(entries)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(error.message for error in self.errors)


class BeancountConnector:
    """`Connector` over Beancount ledgers in `root`, one folder per dossier code."""

    name = "beancount"

    def __init__(self, root: Path, today: Callable[[], date] | None = None) -> None:
        self.root = Path(root)
        self._today = today or (lambda: datetime.now(UTC).date())
        # The last ledger loaded per dossier, valid while no .beancount file of its folder
        # changed (name, inode, size, mtime): a posting then loads the ledger once, not twice.
        self._cache: dict[str, tuple[tuple, Ledger]] = {}

    # ----------------------------------------------------------------- files

    def folder(self, dossier_code: str) -> Path:
        if not _DOSSIER_CODE.match(dossier_code) or ".." in dossier_code:
            raise UnknownDossier(f"{dossier_code!r} is not a dossier code")
        folder = self.root / dossier_code
        if not (folder / MAIN).is_file():
            raise UnknownDossier(f"no Beancount ledger for dossier {dossier_code} in {self.root}")
        return folder

    @staticmethod
    def _fingerprint(folder: Path) -> tuple:
        files = []
        for path in sorted(folder.glob("*.beancount")):
            status = path.stat()
            files.append((path.name, status.st_ino, status.st_size, status.st_mtime_ns))
        return tuple(files)

    def load(self, dossier_code: str, bookings_text: str | None = None) -> Ledger:
        """Load the dossier's ledger with Beancount; with `bookings_text`, the would-be ledger
        in which that text replaces bookings.beancount."""
        folder = self.folder(dossier_code)
        if bookings_text is None:
            fingerprint = self._fingerprint(folder)
            cached = self._cache.get(dossier_code)
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
            ledger = self._load(folder, None)
            self._cache[dossier_code] = (fingerprint, ledger)
            return ledger
        return self._load(folder, bookings_text)

    def _load(self, folder: Path, bookings_text: str | None) -> Ledger:
        try:
            main = (folder / MAIN).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConnectorUnavailable(f"the ledger cannot be read: {exc}") from exc
        bookings = (folder / BOOKINGS).resolve()

        def absolute(match: re.Match[str]) -> str:
            included = (folder / match[1]).resolve()
            if bookings_text is not None and included == bookings:
                return bookings_text
            return f'include "{included}"'

        # load_string (not load_file): no pickle cache beside the ledger, and the candidate text
        # is checked before anything is written. Includes are made absolute for that reason.
        entries, errors, _ = loader.load_string(_INCLUDE.sub(absolute, main))
        return Ledger(entries, errors)

    @contextmanager
    def _locked(self, dossier_code: str) -> Iterator[Path]:
        folder = self.folder(dossier_code)
        with open(folder / LOCK, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            # Holding the lock, any temporary file left is a crashed writer's: never included.
            for stale in folder.glob(f".{BOOKINGS}.*.tmp"):
                stale.unlink(missing_ok=True)
            try:
                yield folder
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _current(self, dossier_code: str) -> Ledger:
        ledger = self.load(dossier_code)
        if ledger.errors:
            raise BookingRefused(
                f"the ledger of dossier {dossier_code} has errors; nothing was written: "
                + "; ".join(ledger.messages),
                ledger.messages,
            )
        return ledger

    def _write_checked(self, dossier_code: str, folder: Path, bookings_text: str) -> None:
        candidate = self.load(dossier_code, bookings_text)
        if candidate.errors:
            raise BookingRefused("; ".join(candidate.messages), candidate.messages)
        try:
            write_atomically(folder / BOOKINGS, bookings_text)
        except OSError as exc:
            # The old file is intact: the caller may retry later.
            raise ConnectorUnavailable(f"the ledger could not be written: {exc}") from exc
        self._cache[dossier_code] = (self._fingerprint(folder), candidate)

    # ----------------------------------------------------------------- reading

    def snapshot(self, dossier_code: str) -> LedgerSnapshot:
        ledger = self.load(dossier_code)
        books = ledger.books
        today = self._today()
        journals = []
        for journal in books.journals.values():
            number = NumberFormat.parse(journal.number_format).format(
                today.year, ledger_books.next_sequence(ledger.entries, journal, today.year)
            )
            journals.append(journal.model_copy(update={"next_number": number}))
        financial = ledger_reports.financial_transactions(ledger.entries, books)
        return LedgerSnapshot(
            dossier_code=dossier_code,
            read_at=datetime.now(UTC),
            # The feedback reports show the date of the last bank transaction booked.
            up_to_date_until=max((line.date for line in financial), default=None),
            gl_accounts=tuple(books.accounts.values()),
            vat_codes=tuple(books.vat_codes.values()),
            journals=tuple(journals),
            periods=tuple(books.periods.values()),
            counterparties=tuple(books.counterparties.values()),
            open_items=tuple(
                item
                for item in ledger_reports.open_items(ledger.entries, books)
                if item.open_amount != 0
            ),
            bank_accounts=tuple(books.bank_accounts.values()),
            financial_transactions=tuple(financial),
            turnover=tuple(ledger_reports.turnover_by_period(ledger.entries, books)),
        )

    def feedback_snapshot(self, dossier_code: str) -> LedgerSnapshot:
        """The snapshot with the feedback records a Kafka connector publishes besides the
        turnover: the account totals per period and every item's history."""
        ledger = self.load(dossier_code)
        return self.snapshot(dossier_code).model_copy(
            update={
                "account_totals": tuple(
                    ledger_reports.account_totals(ledger.entries, ledger.books)
                ),
                "item_histories": tuple(
                    ledger_reports.item_histories(ledger.entries, ledger.books)
                ),
            }
        )

    def open_items(self, dossier_code: str, as_of: date | None = None) -> list[OpenItem]:
        """Every invoice and credit note with what was paid on it up to `as_of`, settled too."""
        ledger = self.load(dossier_code)
        return ledger_reports.open_items(ledger.entries, ledger.books, as_of)

    def ledger_movements(self, dossier_code: str) -> list[LedgerMovement]:
        """Every posting on a GL account, debit positive (P&L and balance sheet)."""
        ledger = self.load(dossier_code)
        return ledger_reports.ledger_movements(ledger.entries, ledger.books)

    def open_item_history(
        self, dossier_code: str, journal: str, document_number: str
    ) -> list[OpenItemMovement] | None:
        """The item and what settled it, read from the ledger; None when there is no such item."""
        ledger = self.load(dossier_code)
        return ledger_reports.open_item_history(
            ledger.entries, ledger.books, journal, document_number
        )

    # ----------------------------------------------------------------- writing

    def post_booking(self, dossier_code: str, booking: BookingToPost) -> PostedBooking:
        with self._locked(dossier_code) as folder:
            ledger = self._current(dossier_code)
            existing = ledger_books.find_by_meta(
                ledger.entries, "proposal-id", str(booking.proposal_id)
            )
            if existing is not None:
                return _posted(booking, existing, already_posted=True)
            books = ledger.books
            header = booking.header
            journal = books.journals.get(header.journal)
            if journal is None:
                raise BookingRefused(f"journal {header.journal} is unknown to the dossier")
            if journal.type not in ("purchase", "sales"):
                raise BookingRefused(
                    f"journal {journal.code} is a {journal.type} journal; bookings with VAT "
                    "lines go to a purchase or sales journal"
                )
            if not journal.platform:
                raise BookingRefused(f"journal {journal.code} is not one of the platform's")
            if journal.credit_note_only and not header.credit_note:
                raise BookingRefused(f"journal {journal.code} takes credit notes only")
            if header.currency != "EUR" and not journal.foreign_currency_allowed:
                raise BookingRefused(
                    f"journal {journal.code} does not allow foreign currency ({header.currency})"
                )
            period = books.periods.get(header.period)
            if period is None:
                raise BookingRefused(f"booking period {header.period} is unknown to the dossier")
            today = self._today()
            if (
                period.status == "closed"
                and ledger_books.period_state_at(ledger.entries, period.code, today) != "closed"
            ):
                # Closed from tomorrow in the ledger (see close_periods), but closed for new
                # bookings now; a closure in force is refused by Beancount's plugin itself.
                raise BookingRefused(f"booking period {header.period} is closed")
            kind = "supplier" if journal.type == "purchase" else "customer"
            new_text = ""
            counterparty = books.counterparties.get(header.counterparty_number)
            if counterparty is None:
                if header.new_counterparty is None:
                    raise BookingRefused(
                        f"counterparty {header.counterparty_number} is unknown to the dossier"
                    )
                counterparty = Counterparty(
                    number=header.counterparty_number,
                    kind=kind,
                    **header.new_counterparty.model_dump(),
                )
                new_text += printer.format_entry(
                    ledger_entries.counterparty_directive(counterparty, min(today, period.start))
                )
                new_text += "\n"
            elif counterparty.kind != kind:
                raise BookingRefused(
                    f"counterparty {counterparty.number} is a {counterparty.kind}, "
                    f"journal {journal.code} books {kind} invoices"
                )
            fiscal_year = int(period.fiscal_year)
            number = NumberFormat.parse(journal.number_format).format(
                fiscal_year, ledger_books.next_sequence(ledger.entries, journal, fiscal_year)
            )
            # The transaction is dated on the invoice date, kept inside the chosen period.
            booking_date = min(max(header.invoice_date, period.start), period.end)
            transaction = ledger_entries.booking_transaction(
                booking, books, journal, number, counterparty, today, booking_date
            )
            new_text += printer.format_entry(transaction)
            self._write_checked(dossier_code, folder, _append(folder / BOOKINGS, new_text))
            return PostedBooking(
                proposal_id=booking.proposal_id,
                journal=journal.code,
                document_number=number,
                period=header.period,
                transaction_id=f"{journal.code}/{number}",
            )

    def close_periods(self, dossier_code: str, period_codes: tuple[str, ...]) -> date | None:
        """Close booking periods (a new active period closes the ones before it): a "closed"
        period directive each, in the platform's file. Returns the day they close on, None when
        every one was closed already.

        The closed-periods plugin refuses bookings entered on or after the closing day. A
        booking entered today in one of the periods must stay valid, so the closure is then
        dated tomorrow; the books count the period closed at once (the latest directive counts)
        and post_booking refuses it from now on."""
        with self._locked(dossier_code) as folder:
            ledger = self._current(dossier_code)
            books = ledger.books
            unknown = [code for code in period_codes if code not in books.periods]
            if unknown:
                raise BookingRefused(
                    "booking periods unknown to the dossier: " + ", ".join(unknown)
                )
            to_close = [code for code in period_codes if books.periods[code].status != "closed"]
            if not to_close:
                return None
            today = self._today()
            entered_today = any(
                isinstance(entry, data.Transaction)
                and entry.meta.get("period") in to_close
                and entry.meta.get("entered-on") == today
                for entry in ledger.entries
            )
            day = today + timedelta(days=1) if entered_today else today
            text = "".join(
                f'{day.isoformat()} custom "{ledger_books.PERIOD}" "{code}" '
                f"{books.periods[code].start.isoformat()} {books.periods[code].end.isoformat()} "
                '"closed"\n'
                for code in to_close
            )
            self._write_checked(dossier_code, folder, _append(folder / BOOKINGS, text))
            return day

    def delete_booking(self, dossier_code: str, booking: BookingToDelete) -> DeletedBooking:
        """Delete the proposal's transaction (found by its `proposal-id`, so a number used again
        by a later booking is never touched); none in the ledger: `already_deleted`."""
        document = f"{booking.journal}/{booking.document_number}"
        with self._locked(dossier_code) as folder:
            ledger = self._current(dossier_code)
            journal = ledger.books.journals.get(booking.journal)
            if journal is None or not journal.platform:
                raise BookingRefused(
                    f"journal {booking.journal} is not one of the platform's journals; "
                    "only bookings posted through them may be deleted"
                )
            transaction = ledger_books.find_by_meta(
                ledger.entries, "proposal-id", str(booking.proposal_id)
            )
            if transaction is None:
                return DeletedBooking(
                    proposal_id=booking.proposal_id,
                    journal=booking.journal,
                    document_number=booking.document_number,
                    already_deleted=True,
                )
            found = f"{transaction.meta.get('journal')}/{transaction.meta.get('document-number')}"
            if found != document:
                raise BookingRefused(
                    f"the booking of proposal {booking.proposal_id} is {found}, not {document}"
                )
            period = str(transaction.meta.get("period"))
            state = ledger_books.period_state_at(ledger.entries, period, self._today())
            if state == "closed":
                raise BookingRefused(f"booking period {period} is closed")
            if any(
                p.meta and p.meta.get("document") == document and "invoice-date" not in p.meta
                for entry in ledger_books.transactions(ledger.entries)
                for p in entry.postings
            ):
                raise BookingRefused(f"booking {document} has payments; delete those first")
            path = folder / BOOKINGS
            text = _remove_transaction(path, booking.journal, booking.document_number)
            if text is None:
                raise BookingRefused(
                    f"booking {document} was not posted through the platform "
                    "(it is not in bookings.beancount)"
                )
            self._write_checked(dossier_code, folder, text)
            return DeletedBooking(
                proposal_id=booking.proposal_id,
                journal=booking.journal,
                document_number=booking.document_number,
                period=period,
            )

    def journalise_payments(
        self, dossier_code: str, payments: tuple[PaymentToJournalise, ...]
    ) -> tuple[JournalisedPayment, ...]:
        with self._locked(dossier_code) as folder:
            ledger = self._current(dossier_code)
            books = ledger.books
            today = self._today()
            entries = list(ledger.entries)
            results = []
            new_text = ""
            for payment in payments:
                existing = ledger_books.find_by_meta(entries, "payment-id", str(payment.payment_id))
                if existing is not None:
                    results.append(
                        JournalisedPayment(
                            payment_id=payment.payment_id,
                            journal=str(existing.meta["journal"]),
                            document_number=str(existing.meta["document-number"]),
                            transaction_id=f"{existing.meta['journal']}/{existing.meta['document-number']}",
                            already_journalised=True,
                        )
                    )
                    continue
                bank_code = next(
                    (
                        code
                        for code, bank in books.bank_accounts.items()
                        if bank.iban.replace(" ", "") == payment.bank_account_iban.replace(" ", "")
                    ),
                    None,
                )
                bank = books.bank_accounts.get(bank_code or "")
                journal = books.journals.get(bank.journal or "") if bank else None
                if bank_code is None or journal is None:
                    raise BookingRefused(
                        f"bank account {payment.bank_account_iban} has no financial journal "
                        "in the dossier"
                    )
                year = payment.paid_on.year
                number = NumberFormat.parse(journal.number_format).format(
                    year, ledger_books.next_sequence(entries, journal, year)
                )
                transaction = ledger_entries.payment_transaction(
                    payment, books, journal, bank_code, number, today
                )
                entries.append(transaction)
                new_text += printer.format_entry(transaction) + "\n"
                results.append(
                    JournalisedPayment(
                        payment_id=payment.payment_id,
                        journal=journal.code,
                        document_number=number,
                        transaction_id=f"{journal.code}/{number}",
                    )
                )
            if new_text:
                self._write_checked(
                    dossier_code, folder, _append(folder / BOOKINGS, new_text.rstrip("\n") + "\n")
                )
            return tuple(results)


def _posted(booking: BookingToPost, entry: data.Transaction, already_posted: bool) -> PostedBooking:
    journal = str(entry.meta["journal"])
    number = str(entry.meta["document-number"])
    return PostedBooking(
        proposal_id=booking.proposal_id,
        journal=journal,
        document_number=number,
        period=str(entry.meta.get("period")),
        transaction_id=f"{journal}/{number}",
        already_posted=already_posted,
    )


def _append(path: Path, text: str) -> str:
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if current and not current.endswith("\n"):
        current += "\n"
    return current + ("\n" if current else "") + text


def _remove_transaction(path: Path, journal: str, number: str) -> str | None:
    """The file's text without the transaction: from its first line up to the next directive."""
    text = path.read_text(encoding="utf-8")
    entries, _, _ = parser.parse_string(text)
    starts = sorted(entry.meta["lineno"] for entry in entries)
    for entry in entries:
        if (
            isinstance(entry, data.Transaction)
            and entry.meta.get("journal") == journal
            and str(entry.meta.get("document-number")) == number
        ):
            lines = text.splitlines(keepends=True)
            start = entry.meta["lineno"] - 1
            following = [line for line in starts if line > entry.meta["lineno"]]
            end = following[0] - 1 if following else len(lines)
            kept = lines[:start] + lines[end:]
            return re.sub(r"\n{3,}", "\n\n", "".join(kept))
    return None


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves either the old or the new file."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    folder = os.open(path.parent, os.O_DIRECTORY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)

"""The office and dossier administration rules (pure)."""

import uuid
from datetime import UTC, date, datetime

import pytest
from ledgerline.auth import Role
from ledgerline.events import BookingPeriod, Counterparty, OpenItem
from sync.connectors.contract import LedgerSnapshot
from sync.domain.ledger_sync import delta, ledger_sync_messages, record_fingerprints
from sync.domain.notification import books_updated_mail
from sync.domain.office import (
    EmployeeAccess,
    OfficeRuleViolation,
    Period,
    check_keeps_an_admin,
    check_may_activate,
    check_payment_module,
    client_role,
    dossier_codes,
    employee_dossiers,
    periods_to_close,
)

A, B, C, D = (uuid.UUID(int=n) for n in range(1, 5))


def test_codes_separated_by_semicolons_are_several_dossiers() -> None:
    assert dossier_codes("PEETERS") == ["PEETERS"]
    assert dossier_codes(" PEETERS ; JANSSENS;C:\\Winbooks\\DATA ") == [
        "PEETERS",
        "JANSSENS",
        "C:\\Winbooks\\DATA",
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A;;B", "empty code"),
        ("A;", "empty code"),
        ("A;B;A", "twice: A"),
        (";".join(f"C{n}" for n in range(51)), "at most 50"),
    ],
)
def test_bad_code_lists_are_refused_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(OfficeRuleViolation) as refused:
        dossier_codes(text)
    assert refused.value.status == 422
    assert reason in refused.value.reason


def test_who_may_activate_follows_the_office_setting() -> None:
    check_may_activate(Role.ADMIN, "admins")
    check_may_activate(Role.ADMIN, "employees")
    check_may_activate(Role.EMPLOYEE, "employees")
    for role, setting in [
        (Role.EMPLOYEE, "admins"),
        (Role.SUPPORT, "employees"),
        (Role.CLIENT_ADMINISTRATOR, "employees"),
        (Role.SERVICE, "employees"),
    ]:
        with pytest.raises(OfficeRuleViolation) as refused:
            check_may_activate(role, setting)  # type: ignore[arg-type]
        assert refused.value.status == 403
        assert "dossier_activation" in refused.value.reason


def test_the_payment_module_needs_the_office_to_allow_it() -> None:
    check_payment_module(True, True)
    check_payment_module(False, False)
    check_payment_module(None, False)
    with pytest.raises(OfficeRuleViolation) as refused:
        check_payment_module(True, False)
    assert refused.value.status == 409
    assert "payment_module_allowed" in refused.value.reason


def test_the_last_admin_stays() -> None:
    check_keeps_an_admin(["anna", "bert"], "anna", None)
    check_keeps_an_admin(["anna"], "anna", "admin")
    check_keeps_an_admin(["anna"], "els", None)  # not an admin: the admin stays
    check_keeps_an_admin([], "els", "employee")  # an office without listed admins
    for new_role in (None, "employee", "support"):
        with pytest.raises(OfficeRuleViolation) as refused:
            check_keeps_an_admin(["anna"], "anna", new_role)  # type: ignore[arg-type]
        assert refused.value.status == 409
        assert "last admin" in refused.value.reason


def test_an_admin_sees_every_active_dossier_others_their_assigned_and_groups() -> None:
    active = [A, B, C]
    admin = EmployeeAccess("admin", frozenset(), frozenset())
    assert employee_dossiers(admin, active) == [A, B, C]
    employee = EmployeeAccess("employee", frozenset({A, D}), frozenset({C}))
    assert employee_dossiers(employee, active) == [A, C]  # D is not active
    support = EmployeeAccess("support", frozenset(), frozenset({B}))
    assert employee_dossiers(support, active) == [B]
    assert employee_dossiers(EmployeeAccess("employee", frozenset(), frozenset()), active) == []


def test_a_client_role_only_when_every_dossier_gives_the_same_profile() -> None:
    assert client_role({A: "client_full_access"}) == "client_full_access"
    assert client_role({A: "client_full_access", B: "client_full_access"}) == "client_full_access"
    assert client_role({A: "client_full_access", B: "client_document_delivery"}) is None


PERIODS = [
    Period("2026-08", date(2026, 8, 1), date(2026, 8, 31), "closed"),
    Period("2026-09", date(2026, 9, 1), date(2026, 9, 30), "open"),
    Period("2026-10", date(2026, 10, 1), date(2026, 10, 31), "open"),
    Period("2026-11", date(2026, 11, 1), date(2026, 11, 30), "open"),
    Period("2026-12", date(2026, 12, 1), date(2026, 12, 31), "open"),
]


def test_a_new_active_period_closes_the_open_ones_before_it() -> None:
    assert periods_to_close(PERIODS, "2026-11") == ["2026-09", "2026-10"]
    assert periods_to_close(PERIODS, "2026-09") == []


def test_the_new_active_period_must_be_a_known_open_period() -> None:
    with pytest.raises(OfficeRuleViolation) as unknown:
        periods_to_close(PERIODS, "2027-01")
    assert unknown.value.status == 422
    with pytest.raises(OfficeRuleViolation) as closed:
        periods_to_close(PERIODS, "2026-08")
    assert closed.value.status == 409


def _snapshot(counterparties: list[Counterparty], items: list[OpenItem]) -> LedgerSnapshot:
    return LedgerSnapshot(
        dossier_code="PEETERS",
        read_at=datetime(2026, 11, 30, tzinfo=UTC),
        periods=(BookingPeriod(**vars(PERIODS[1]), fiscal_year="2026"),),
        counterparties=tuple(counterparties),
        open_items=tuple(items),
    )


def _item(number: str, paid: str = "0") -> OpenItem:
    return OpenItem(
        kind="supplier",
        journal="CFAAN",
        document_number=number,
        counterparty_number="L1",
        invoice_date=date(2026, 11, 1),
        amount="121.00",  # type: ignore[arg-type]
        amount_paid=paid,  # type: ignore[arg-type]
    )


def test_a_delta_has_the_new_and_changed_records_and_the_keys_of_removed_ones() -> None:
    l1 = Counterparty(number="L1", kind="supplier", name="Brouwerij")
    l2 = Counterparty(number="L2", kind="supplier", name="Molen")
    before = _snapshot([l1, l2], [_item("26000001"), _item("26000002")])
    after = _snapshot(
        [l1.model_copy(update={"name": "Brouwerij NV"})],
        [_item("26000001"), _item("26000003", paid="21.00")],
    )
    changes = delta(after, record_fingerprints(before))
    assert [c.name for c in changes.changes.counterparties] == ["Brouwerij NV"]
    assert [i.document_number for i in changes.changes.open_items] == ["26000003"]
    assert changes.changes.periods == ()  # unchanged
    assert changes.removed_counterparties == ("L2",)
    assert changes.removed_open_items == ("CFAAN/26000002",)
    # Against nothing, a delta is everything.
    everything = delta(after, {})
    assert len(everything.changes.open_items) == 2 and everything.removed_open_items == ()


def test_a_delta_run_carries_its_removals_and_the_whole_dossier_s_counts() -> None:
    snapshot = _snapshot([], [_item("26000001")])
    keys = tuple(f"CFAAN/{n:08d}" for n in range(30_000))
    messages = ledger_sync_messages(
        snapshot,
        uuid.uuid4(),
        datetime(2026, 11, 30, tzinfo=UTC),
        full=False,
        removed_open_items=keys,
        counts=(7, 9),
        chunk_record_bytes=100_000,
    )
    assert len(messages) > 1
    assert all(not m.full and (m.counterparties, m.open_items) == (7, 9) for m in messages)
    assert sum((m.removed_open_items for m in messages), ()) == keys
    assert all(len(m.model_dump_json()) < 512 * 1024 for m in messages)
    assert [m.last_chunk for m in messages].count(True) == 1


def test_the_books_updated_mail_speaks_the_dossier_s_language() -> None:
    mail = books_updated_mail(
        "Bakkerij Peeters", date(2026, 10, 31), "nl", "https://portal.example"
    )
    assert mail.subject == "Uw boekhouding is bijgewerkt: Bakkerij Peeters"
    assert "bijgewerkt tot 31/10/2026" in mail.body and "https://portal.example" in mail.body
    assert books_updated_mail("X", None, "fr", "u").subject.startswith("Votre comptabilité")
    assert books_updated_mail("X", None, "xx", "u").subject.startswith("Your books")

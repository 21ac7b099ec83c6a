"""Who may correct and who may send, per validation mode (seed 003, "Annoteren")."""

import pytest
from ledgerline.auth import Role
from worklist.domain.validation import refusal


@pytest.mark.parametrize("mode", ["office", "hybrid", "client"])
@pytest.mark.parametrize("role", [Role.ADMIN, Role.EMPLOYEE, Role.SUPPORT])
def test_the_office_always_corrects_and_sends(role: Role, mode: str) -> None:
    assert refusal(role, mode, "correct") is None  # type: ignore[arg-type]
    assert refusal(role, mode, "decide") is None  # type: ignore[arg-type]


@pytest.mark.parametrize("role", [Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS])
def test_client_validators_follow_the_dossier_s_mode(role: Role) -> None:
    assert "validated by the office" in (refusal(role, "office", "correct") or "")
    assert "validated by the office" in (refusal(role, "office", "decide") or "")
    assert refusal(role, "hybrid", "correct") is None
    assert "an office employee sends" in (refusal(role, "hybrid", "decide") or "")
    assert refusal(role, "client", "correct") is None
    assert refusal(role, "client", "decide") is None


@pytest.mark.parametrize(
    "role",
    [
        Role.CLIENT_DOCUMENT_DELIVERY,
        Role.CLIENT_DOCUMENT_PROCESSING,
        Role.CLIENT_DOCUMENT_PROCESSING_ARCHIVE,
        Role.CLIENT_FULL_FEEDBACK,
    ],
)
def test_other_client_profiles_never_work_the_worklist(role: Role) -> None:
    assert refusal(role, "client", "correct") == f"the role {role.value} does not work the worklist"

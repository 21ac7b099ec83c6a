from ledgerline.service_cli import run_service_cli

from approvals.bootstrap import definition


def main(argv: list[str] | None = None) -> int:
    return run_service_cli("approvals", "Ledgerline approvals service", definition, argv)

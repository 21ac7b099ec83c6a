from ledgerline.service_cli import run_service_cli

from worklist.bootstrap import definition


def main(argv: list[str] | None = None) -> int:
    return run_service_cli("worklist", "Ledgerline worklist service", definition, argv)

from ledgerline.service_cli import run_service_cli

from sync.bootstrap import definition


def main(argv: list[str] | None = None) -> int:
    return run_service_cli("sync", "Ledgerline sync service", definition, argv)

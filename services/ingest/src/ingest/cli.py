from ledgerline.service_cli import run_service_cli

from ingest.bootstrap import definition


def main(argv: list[str] | None = None) -> int:
    return run_service_cli("ingest", "Ledgerline ingest service", definition, argv)

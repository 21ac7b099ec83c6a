from ledgerline.service_cli import run_service_cli

from recognition.bootstrap import definition
from recognition.entrypoints import extract_cli


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        "recognition",
        "Ledgerline recognition service and invoice extraction",
        definition,
        argv,
        extract_cli.register,
    )

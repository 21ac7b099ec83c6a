from ledgerline.service_cli import run_service_cli

from recognition.bootstrap import definition


def main(argv: list[str] | None = None) -> int:
    return run_service_cli("recognition", "Ledgerline recognition service", definition, argv)

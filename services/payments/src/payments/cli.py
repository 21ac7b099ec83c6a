from ledgerline.service_cli import run_service_cli

from payments.bootstrap import definition
from payments.entrypoints import sepa_cli


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        "payments",
        "Ledgerline payments service and SEPA tools",
        definition,
        argv,
        sepa_cli.register,
    )

import argparse
import importlib.util

from ledgerline.service_cli import run_service_cli

from payments.bootstrap import definition


def register_tools(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    if importlib.util.find_spec("payments.entrypoints.sepa_cli") is not None:
        from payments.entrypoints import sepa_cli

        sepa_cli.register(subparsers)


def main(argv: list[str] | None = None) -> int:
    return run_service_cli(
        "payments", "Ledgerline payments service and SEPA tools", definition, argv, register_tools
    )

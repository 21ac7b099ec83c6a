"""The `payments` command: the service's commands and the SEPA tools.

The SEPA tools (`sepa-credit-transfer`, `epc-qr`) are run without importing the service (web
framework, Kafka client, database driver: about two seconds of imports), since a user runs them
as stand-alone programs on a batch file.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from payments.entrypoints import sepa_cli

if TYPE_CHECKING:
    from ledgerline.service import ServiceDefinition

_PROG = "payments"
_DESCRIPTION = "Ledgerline payments service and SEPA tools"


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] in sepa_cli.COMMANDS:
        return _run_sepa_tool(arguments)
    from ledgerline.service_cli import run_service_cli

    return run_service_cli(_PROG, _DESCRIPTION, _definition, arguments, sepa_cli.register)


def _definition() -> ServiceDefinition:
    from payments.bootstrap import definition

    return definition()


def _run_sepa_tool(arguments: list[str]) -> int:
    from ledgerline.console import run_writing_stdout

    parser = argparse.ArgumentParser(prog=_PROG, description=_DESCRIPTION)
    sepa_cli.register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(arguments)
    return run_writing_stdout(lambda: int(args.func(args)))

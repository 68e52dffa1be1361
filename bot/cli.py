"""The `naromeet-bot` command line.

Every failure is one readable line on standard error and a non-zero exit:
2 for a usage or settings error, 1 for a runtime failure (such as an
unreachable database). No traceback reaches the user.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.clierrors import CliError, MissingSettingError
from config.settings import Settings, get_settings

logger = logging.getLogger(__name__)

PLATFORMS = ("discord", "telegram")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="naromeet-bot",
        description="Voice interview practice with an AI interviewer in Discord and Telegram.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot")
    run.add_argument(
        "--platform",
        choices=[*PLATFORMS, "all"],
        default="all",
        help="which platform to serve (default: all; 'all' serves each platform with a token)",
    )
    commands.add_parser("migrate", help="bring the configured database to the current schema")
    purge = commands.add_parser("purge", help="apply retention now and print counts per table")
    purge.add_argument(
        "--dry-run", action="store_true", help="count what would go, delete nothing"
    )

    export = commands.add_parser("export", help="write a user's data as the /export JSON")
    _add_user_arguments(export)
    export.add_argument("--output", type=Path, help="file to write (default: standard output)")

    delete = commands.add_parser("delete", help="erase a user's data, as /delete does")
    _add_user_arguments(delete)
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    commands.add_parser(
        "doctor", help="check settings, database, codecs, platforms and Gemini; say what to fix"
    )
    return parser


def _add_user_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", choices=PLATFORMS, required=True, help="the user's platform")
    parser.add_argument(
        "--user-id", required=True, type=_user_id, help="the user's id on that platform"
    )


def _user_id(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise argparse.ArgumentTypeError("must not be empty")
    return stripped


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        print(f"naromeet-bot: invalid {name}: {first['msg']}", file=sys.stderr)
        return 2
    from bot.logsetup import configure_logging

    # One-shot commands print their result; INFO lines would only be noise unless asked for.
    level = settings.log_level
    if args.command != "run" and "log_level" not in settings.model_fields_set:
        level = "WARNING"
    try:
        configure_logging(level)
    except ValueError as error:
        print(f"naromeet-bot: {error}", file=sys.stderr)
        return 2
    if args.command == "delete" and not args.yes:
        if not sys.stdin.isatty():
            print(
                "naromeet-bot: refusing to delete without confirmation on a non-interactive "
                "input: pass --yes",
                file=sys.stderr,
            )
            return 2
        if not _confirm_delete(args):
            return 1
    try:
        return asyncio.run(_dispatch(args, settings))
    except MissingSettingError as error:
        print(f"naromeet-bot: {error}", file=sys.stderr)
        return 2
    except CliError as error:
        print(f"naromeet-bot: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    from bot import commands

    if args.command == "run":
        return await commands.run(settings, args.platform)
    if args.command == "migrate":
        return await commands.migrate(settings)
    if args.command == "purge":
        return await commands.purge(settings, dry_run=args.dry_run)
    if args.command == "export":
        return await commands.export(settings, args.platform, args.user_id, args.output)
    if args.command == "delete":
        return await commands.delete(settings, args.platform, args.user_id)
    if args.command == "doctor":
        return await commands.doctor(settings)
    raise CliError(f"unknown command {args.command!r}")  # argparse rejects it first


def _confirm_delete(args: argparse.Namespace) -> bool:
    answer = input(f"Erase every row about {args.platform} user {args.user_id}? [y/N] ")
    if answer.strip().lower() in ("y", "yes"):
        return True
    print("nothing was deleted")
    return False


def print_counts(counts: dict[str, int]) -> None:
    """Print counts per table, one `table: N` line each, in a stable order."""
    for table in sorted(counts):
        print(f"{table}: {counts[table]}")


def print_json(document: object) -> None:
    print(json.dumps(document, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    sys.exit(main())

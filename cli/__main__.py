"""`python -m cli COMMAND`: operator commands for ghes-packages."""

from __future__ import annotations

import argparse
import importlib
import sys

from settings import SettingsError

from .errors import CliError

# Each command is a module of this package with `add_parser(subparsers)`; the parser's `run(args) -> int`
# is stored as its default `run`.
COMMANDS: tuple[str, ...] = ("plan", "render", "configure", "verify")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli", description="Operator commands for ghes-packages.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").add_parser(subparsers)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except SettingsError as error:
        for problem in error.problems:
            print(f"ghes-packages: error: {problem}", file=sys.stderr)
        return 2
    except CliError as error:
        print(f"ghes-packages: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("ghes-packages: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

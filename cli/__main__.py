"""`python -m cli COMMAND`: operator commands for ghes-packages."""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

from .errors import CliError

# Each command is a module of this package with `add_parser(subparsers)`; the parser's `run(args) -> int`
# is stored as its default `run`.
COMMANDS: tuple[str, ...] = ("plan", "render", "configure", "verify")


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (argparse prints the usage block first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m cli", description="Operator commands for ghes-packages.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").add_parser(subparsers)
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except CliError as error:
        print(f"ghes-packages: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("ghes-packages: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""What every command's wiring shares: the one-line usage error, option types, the stack outputs options.

Option types check their value while parsing, so a bad option never reaches `pulumi stack output --show-secrets`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from ghes_packages.exits import ExitCode
from ghes_packages.stack_outputs import OutputsSource

Runner = Callable[[argparse.Namespace], int]


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (argparse prints the usage block first) and exit code USAGE."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see --help)\n")


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a TCP port, 1 to 65535 (got {text!r})")
    return int(text)


def name(what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text or text.startswith("-") or any(c.isspace() for c in text):
            raise argparse.ArgumentTypeError(f"must be a {what}, without spaces or a leading '-' (got {text!r})")
        return text

    return parse


def readable_file(text: str) -> str:
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a readable file")
    return text


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to 3600 (got {text!r})")
    return value


def add_outputs_source(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--outputs", metavar="FILE", help="JSON of `pulumi stack output --json --show-secrets`; '-' reads standard input"
    )
    source.add_argument(
        "--stack", metavar="NAME", help="run `pulumi stack output --json --show-secrets --stack NAME` for them"
    )


def outputs_source(args: argparse.Namespace) -> OutputsSource:
    return OutputsSource(file=args.outputs, stack=args.stack)


def whole_days(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 36500:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, 1 to 36500 (got {text!r})")
    return int(text)

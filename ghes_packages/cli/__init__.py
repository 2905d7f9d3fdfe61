"""`ghes-packages COMMAND`: the argparse wiring of every operator command, in this package only.

Each command's options are parsed and checked here (one module per concept: plan, verify, the appliance
commands), then turned into one typed call of its operation (ghes_packages/<feature>/...); operations never see
an argparse Namespace. Operations are imported only when their command runs, so `plan` never loads botocore and
`--help` loads neither Pulumi nor botocore.
"""

from __future__ import annotations

import sys

from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.project import PROJECT

from .appliance import add_configure, add_render, add_status
from .common import Parser
from .plan import add_plan
from .rotate import add_rotate
from .verify import add_verify

PROG = PROJECT


def build_parser() -> Parser:
    """The `ghes-packages` parser with every command."""
    parser = Parser(prog=PROG, description="Operator commands for ghes-packages: GHES Packages storage as code.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for add in (add_plan, add_render, add_configure, add_status, add_verify, add_rotate):
        add(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr and an exit code of ExitCode."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

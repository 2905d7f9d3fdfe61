"""`python -m cli render`: the appliance's configure script (or settings document) for a stack.

It prints with the secret access key masked. The real script is written only to a file (`--show-secrets
--out FILE`), created with mode 0600 and moved into place whole, never to standard output: a terminal's
scrollback and a CI log keep what they are shown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from appliance import InvalidSetting, PackagesSettings, render_configure_script, settings_document
from outputs import StackOutput

from .errors import CliError
from .stack_outputs import add_source_arguments, load_stack_outputs, require_outputs

# Stack output -> PackagesSettings field.
_OUTPUT_FIELDS = {
    StackOutput.HOSTNAME: "hostname",
    StackOutput.SERVICE_URL: "service_url",
    StackOutput.BUCKET_NAME: "bucket_name",
    StackOutput.ACCESS_KEY_ID: "access_key_id",
    StackOutput.SECRET_ACCESS_KEY: "secret_access_key",
}


def appliance_settings(outputs: Mapping[str, Any]) -> PackagesSettings:
    """The appliance settings held by a stack's outputs; CliError naming any missing or unusable output."""
    require_outputs(outputs, *_OUTPUT_FIELDS)
    try:
        return PackagesSettings(**{field: outputs[name] for name, field in _OUTPUT_FIELDS.items()})
    except InvalidSetting as error:
        output = next(name for name, field in _OUTPUT_FIELDS.items() if field == error.field)
        raise CliError(f"stack outputs: {output} {error.problem}") from None


def render_text(settings: PackagesSettings, as_json: bool) -> str:
    """The configure script, or with `as_json` the settings document, for `settings` as given."""
    if as_json:
        return json.dumps(settings_document(settings), indent=2) + "\n"
    return render_configure_script(settings)


def check_out_option(path: Path) -> None:
    """CliError (exit 2) unless `path` can name the file to write: checked before any stack output is read."""
    if str(path) == "-":
        raise CliError("--out -: standard output is not a file; name a file, or leave --out out for the masked text", 2)
    if path.is_dir():
        raise CliError(f"--out: {path} is a folder; name a file", 2)
    if not path.parent.is_dir():
        raise CliError(f"--out: folder {path.parent} does not exist", 2)


def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path` with mode 0600: into a new private file beside it, then renamed over it."""
    folder = path.parent
    try:
        # mkstemp creates the file with mode 0600 from the start, so the secret is never readable by others.
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise CliError(f"--out: cannot create a file in {folder}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise CliError(f"--out: cannot write {path}: {error.strerror}") from None


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "render",
        help="print the appliance's configure script for a stack (secret key masked)",
        description=(
            "Render the bash script that configures GHES Packages storage on the appliance (see docs/appliance.md), "
            "from the stack's outputs. Printed with the secret access key masked; the real script goes only to a "
            "file: --show-secrets --out FILE (mode 0600). Exit 0: done; 2: a bad option (checked before any stack "
            "output is read); 1: unusable stack outputs or a file that cannot be written."
        ),
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--json", action="store_true", help="the settings document (ghe-config key -> value, JSON) instead of the script"
    )
    parser.add_argument(
        "--show-secrets", action="store_true", help="put the real secret access key in; requires --out, never prints it"
    )
    parser.add_argument(
        "--out", metavar="FILE", type=Path, help="write to FILE (mode 0600, replaced whole) instead of stdout"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Options first: a bad one must never run `pulumi stack output --show-secrets`.
    if args.show_secrets and args.out is None:
        raise CliError("--show-secrets writes the secret key only to a file: add --out FILE (created with mode 0600)", 2)
    if args.out is not None:
        check_out_option(args.out)
    settings = appliance_settings(load_stack_outputs(args))
    text = render_text(settings if args.show_secrets else settings.masked(), args.json)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    write_private_file(args.out, text)
    secret = "with the secret access key" if args.show_secrets else "secret access key masked"
    print(f"ghes-packages: wrote {args.out} (mode 0600, {secret})", file=sys.stderr)
    return 0

"""`ghes-packages render`: the appliance's configure script (or settings document) for a stack.

It prints with the secret access key masked. The real script is written only to a file (`--show-secrets
--out FILE`), created with mode 0600 and moved into place whole, never to standard output: a terminal's
scrollback and a CI log keep what they are shown.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ghes_packages.appliance.ghe_config import InvalidSetting, PackagesSettings, render_configure_script, settings_document
from ghes_packages.errors import CliError
from ghes_packages.exits import ExitCode
from ghes_packages.outputs import StackOutput
from ghes_packages.stack_outputs import OutputsSource, load_stack_outputs

# Stack output -> PackagesSettings field.
_OUTPUT_FIELDS = {
    StackOutput.HOSTNAME: "hostname",
    StackOutput.SERVICE_URL: "service_url",
    StackOutput.BUCKET_NAME: "bucket_name",
    StackOutput.ACCESS_KEY_ID: "access_key_id",
    StackOutput.SECRET_ACCESS_KEY: "secret_access_key",
}


APPLIANCE_OUTPUTS = tuple(_OUTPUT_FIELDS)
"""The outputs `render` and `configure` need."""


def appliance_settings(outputs: Mapping[str, Any]) -> PackagesSettings:
    """The appliance settings held by a stack's outputs (checked by `load_stack_outputs`); CliError naming
    any output the appliance cannot be given."""
    try:
        return PackagesSettings(**{field: outputs.get(name, "") for name, field in _OUTPUT_FIELDS.items()})
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
        raise CliError(
            "--out -: standard output is not a file; name a file, or leave --out out for the masked text", ExitCode.USAGE
        )
    if path.is_dir():
        raise CliError(f"--out: {path} is a folder; name a file", ExitCode.USAGE)
    if not path.parent.is_dir():
        raise CliError(f"--out: folder {path.parent} does not exist", ExitCode.USAGE)


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


def render(source: OutputsSource, *, as_json: bool = False, show_secrets: bool = False, out: Path | None = None) -> int:
    """Print (masked) or write (to a 0600 file) the configure script or settings document of a stack.

    :param source: where the stack outputs come from.
    :param as_json: the settings document instead of the script.
    :param show_secrets: put the real secret access key in; only with `out`.
    :param out: the file to write instead of standard output.
    """
    # Options first: a bad one must never run `pulumi stack output --show-secrets`.
    if show_secrets and out is None:
        raise CliError(
            "--show-secrets writes the secret key only to a file: add --out FILE (created with mode 0600)", ExitCode.USAGE
        )
    if out is not None:
        check_out_option(out)
    settings = appliance_settings(load_stack_outputs(source, APPLIANCE_OUTPUTS))
    text = render_text(settings if show_secrets else settings.masked(), as_json)
    if out is None:
        sys.stdout.write(text)
        return ExitCode.OK
    write_private_file(out, text)
    secret = "with the secret access key" if show_secrets else "secret access key masked"
    print(f"ghes-packages: wrote {out} (mode 0600, {secret})", file=sys.stderr)
    return ExitCode.OK

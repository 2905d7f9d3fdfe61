"""Property: whatever the stack's values hold, they reach `ghe-config` byte for byte, as one argument each."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghes_packages.appliance.ghe_config import GheConfigKey, PackagesSettings, render_configure_script, settings_document
from ghes_packages.exits import ExitCode
from tests.fake_appliance import FakeAppliance

# Pieces a shell would act on if a value were not quoted exactly right.
_HOSTILE = st.sampled_from(
    ["'", '"', "\\", "$(touch pwned)", "`touch pwned`", "${HOME}", "$1", "$@", " ", "\t", "\n", "*", "?", "[a-z]",
     "~", "!", "#", ";", "&&", "|", ">", "<", "-", "--", "-n", "-e", "%s", "'\"'\"'", "\r", "é", "ü", "漢字", "💥",
     "\u200b", "\x1b[31m", "--unset", "-l"]
)  # fmt: skip
# Any character a shell argument can carry (everything but NUL; no lone surrogates, which are not text).
_ANY = st.characters(exclude_categories=("Cs",), exclude_characters="\0")
VALUES = st.lists(st.one_of(_HOSTILE, st.text(_ANY, min_size=1, max_size=8)), min_size=1, max_size=6).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostname=VALUES, service_url=VALUES, bucket=VALUES, key_id=VALUES, secret=VALUES, leading_dash=st.booleans())
def test_values_reach_ghe_config_byte_exact(
    hostname: str, service_url: str, bucket: str, key_id: str, secret: str, leading_dash: bool
) -> None:
    if leading_dash:
        bucket, secret = f"-{bucket}", f"--{secret}"
    stack = PackagesSettings(hostname, service_url, bucket, key_id, secret)
    with tempfile.TemporaryDirectory() as folder:
        appliance = FakeAppliance(Path(folder) / "appliance", hostname=hostname)
        appliance.accept_storage(settings_document(stack))
        result = appliance.run_script(render_configure_script(stack))
        assert result.returncode == ExitCode.OK, result.stderr.decode("utf-8", "replace")
        # Each value was one argument of ghe-config, exactly as given ...
        assert appliance.writes() == [[key.value, value] for key, value in stack.items()]
        # ... and is stored byte for byte.
        assert appliance.settings() == {GheConfigKey.HOSTNAME.value: hostname, **settings_document(stack)}
        assert not (Path(folder) / "pwned").exists()  # the script runs in `folder`

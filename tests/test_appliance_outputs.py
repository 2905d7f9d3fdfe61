"""Stack outputs ghesConfigureScript and ghesSettings, from the real program in Pulumi's mock runtime."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from ghes_packages.appliance.ghe_config import GheConfigKey, PackagesSettings, render_configure_script, settings_document
from ghes_packages.appliance.render import appliance_settings
from ghes_packages.exits import ExitCode
from ghes_packages.plan.evaluation import Evaluation, mock_secret_access_key
from tests.fake_appliance import FakeAppliance


def test_both_appliance_outputs_are_secrets(prod: Evaluation) -> None:
    assert {"ghesConfigureScript", "ghesSettings"} <= prod.secret_outputs


def test_settings_output_is_the_stacks_settings(prod: Evaluation) -> None:
    document = prod.outputs["ghesSettings"]
    assert document[GheConfigKey.S3_BUCKET] == "example-ghes-prod-packages"
    assert document[GheConfigKey.SERVICE_URL] == "https://s3.us-west-2.amazonaws.com"
    assert document[GheConfigKey.AWS_ACCESS_KEY] == prod.outputs["accessKeyId"]
    assert document[GheConfigKey.AWS_SECRET_KEY] == prod.outputs["secretAccessKey"]
    assert document == settings_document(appliance_settings(prod.outputs))


def test_script_output_is_what_render_makes_from_the_outputs(prod: Evaluation) -> None:
    script = prod.outputs["ghesConfigureScript"]
    assert script == render_configure_script(appliance_settings(prod.outputs))
    assert f"readonly expected_hostname={shlex.quote('ghes.example.com')}" in script
    assert shlex.quote(prod.outputs["bucketName"]) in script


def test_secret_is_in_no_plain_output(prod: Evaluation) -> None:
    secret = mock_secret_access_key("prod", prod.one("aws:iam/accessKey:AccessKey").name)
    assert prod.outputs["ghesSettings"][GheConfigKey.AWS_SECRET_KEY] == secret
    assert shlex.quote(secret) in prod.outputs["ghesConfigureScript"]
    for name, value in prod.outputs.items():
        if name not in prod.secret_outputs:
            assert secret not in json.dumps(value), f"output {name} carries the secret in the clear"


def test_script_output_configures_a_fake_appliance(prod: Evaluation, tmp_path: Path) -> None:
    stack: PackagesSettings = appliance_settings(prod.outputs)
    appliance = FakeAppliance(tmp_path / "appliance", hostname="ghes.example.com")
    appliance.accept_storage(prod.outputs["ghesSettings"])
    result = appliance.run_script(prod.outputs["ghesConfigureScript"])
    assert result.returncode == ExitCode.OK, result.stderr.decode()
    assert appliance.settings() == {GheConfigKey.HOSTNAME.value: stack.hostname, **prod.outputs["ghesSettings"]}

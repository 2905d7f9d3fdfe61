"""Entry point of the policy pack. PolicyPack() serves the engine and never returns: import nothing from here."""

import sys
from pathlib import Path

# The engine runs the pack with policies/ as its working directory; the rules import the project's modules.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policies.rules import POLICIES

PolicyPack(name="ghes-packages", policies=POLICIES, enforcement_level=EnforcementLevel.MANDATORY)

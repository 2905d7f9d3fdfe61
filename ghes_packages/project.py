"""The project's identity and where its files are: written once, read by the program, the pack and the command."""

from __future__ import annotations

from pathlib import Path

PROJECT = "ghes-packages"
"""The Pulumi project's name, and the namespace of its settings (`ghes-packages:hostname`)."""
PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The folder holding Pulumi.yaml."""
PROGRAM = PROJECT_DIR / "__main__.py"
"""The Pulumi program."""
STACKS_DIR = PROJECT_DIR / "stacks"
"""Where the stack files (Pulumi.NAME.yaml) live: Pulumi.yaml's `stackConfigDir`."""
REGION_KEY = "aws:region"
"""The AWS provider's region setting: not the project's to declare, but required."""

"""rotate: the Packages key's rotation through to the appliance, with no outage, as one resumable command.

It composes the other features (deploy through the Pulumi CLI, verify, configure, status), so it sits
above them, beside the command-line wiring.
"""

"""verify: prove the stack's access key can do exactly what GHES Packages needs, against its service URL."""

DEFAULT_WAIT_SECONDS = 60.0
"""How long verify retries by default while a new key is not yet valid (IAM propagation)."""

"""ghes-packages: what the Pulumi program, the policy pack and the `ghes-packages` command share.

Layers, each importing only from those above it:
- project, names, outputs, exits, redaction, resource_types, errors: identity and the written-once facts;
- settings: the stack's settings, parsed once;
- stack_files, stack_outputs: reading a stack's configuration and its outputs;
- appliance/, verify/, plan/: one sub-package per feature, each with its operations;
- cli: the argparse wiring of the `ghes-packages` command, building typed calls to the operations.
"""

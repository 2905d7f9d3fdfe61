"""The ghes-packages CrossGuard policy pack: its rules (rules.py) and how they read IAM documents (documents.py).

The pack depends on the program (components, ghes_packages), never the reverse.
"""

"""Command modules of manage.py. Each module has ``register(add)``; see manage.py."""

COMMAND_MODULES = ("cli.core", "cli.importing", "cli.coverage", "cli.exports", "cli.suggestions")

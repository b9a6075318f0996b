"""Command modules of manage.py. Each module has ``register(add)``; see manage.py."""

COMMAND_MODULES = ("cli.core", "cli.importing", "cli.coverage", "cli.exports", "cli.suggestions", "cli.industry",
                   "cli.digests")

# Which module registers each command, so ``manage.py import …`` loads only cli.importing and not
# the exporters' pandas / python-docx / plotly (half a second of start-up); a test keeps it true.
# A command missing here still works: manage.py then loads every module.
COMMAND_MODULE = {
    "init-db": "cli.core", "migrate": "cli.core", "seed-demo": "cli.core", "create-user": "cli.core",
    "import": "cli.importing", "import-template": "cli.importing",
    "coverage": "cli.coverage", "coverage-snapshot": "cli.coverage",
    "export": "cli.exports", "restore": "cli.exports",
    "suggest": "cli.suggestions",
    "survey-results": "cli.industry",
    "send-digests": "cli.digests",
}

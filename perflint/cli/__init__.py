"""The ``perflint`` command and its subcommands."""

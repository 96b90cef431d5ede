"""The project being linted: its configuration, the files to lint, per-file ignores, its target CPython."""

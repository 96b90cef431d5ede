"""The project being linted: its configuration (``config``: what a file may set), the rules it
selects (``selection``), the options of one run merged from the file and the command line
(``options``: the one path from options to settings), the files to lint (``discovery``),
per-file ignores (``perfile``) and its target CPython (``requires_python``)."""


class ConfigError(Exception):
    """A configuration (file or command line) that cannot be used; the message says where and why."""

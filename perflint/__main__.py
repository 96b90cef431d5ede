"""``python -m perflint``: the same as the ``perflint`` command."""

from __future__ import annotations

from perflint.cli.main import main

if __name__ == "__main__":
    main()

"""The version perflint was installed as, and the name it was installed by."""

from __future__ import annotations

#: The name perflint is installed by (``pip install perflint-bytecode``): the PyPI name
#: ``perflint`` belongs to another project (a pylint plugin). The import package and the
#: command stay ``perflint``.
DISTRIBUTION = "perflint-bytecode"

#: The version, as ``pyproject.toml`` says it: a constant, as reading the package metadata
#: (``importlib.metadata``) costs every start-up tens of milliseconds; ``tests/test_layout.py``
#: checks that the two and the installed metadata agree.
__version__ = "0.1.0"

"""The version perflint was installed as, and the name it was installed by."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

#: The name perflint is installed by (``pip install perflint-bytecode``): the PyPI name
#: ``perflint`` belongs to another project (a pylint plugin). The import package and the
#: command stay ``perflint``.
DISTRIBUTION = "perflint-bytecode"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

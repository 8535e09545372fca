"""Core task types, one module per Kestra plugin group.

Every module of this package is imported here, so adding a type is one class in one file.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


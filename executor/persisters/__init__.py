"""How feature commands are written in the deciding transaction
(`executor.service.persists`). Every module of this package is imported by
`executor.service`, so a feature's persistence is one module here."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

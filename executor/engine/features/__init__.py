"""Engine features that register message handlers, timer kinds and flowable resolvers
(`executor.engine.process.handles`, `handles_timer`, `executor.engine.flowables.resolves`).
Every module of this package is imported by `executor.engine.process`, so a feature is one
module here."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

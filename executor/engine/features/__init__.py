"""Engine features: one module per feature, holding its message handlers, timer handlers,
flowable resolvers and hooks. Importing a module registers nothing: executor/wiring.py
lists what each one contributes."""

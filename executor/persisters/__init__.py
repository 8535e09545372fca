"""How the commands of a Decision are written in the deciding transaction: one module per
concern (the core commands, subflows, flow concurrency). Importing a module registers
nothing: executor/wiring.py lists which persisters each command type gets, in order."""

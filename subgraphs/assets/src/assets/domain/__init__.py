"""The assets domain: instruments, quotes, the simulated feed, manual prices, FX and valuation.

Pure Python and Decimal; of kit only `kit.core`, no framework and no I/O (import-linter checks it).
The rules live here as methods of the model; `ports.py` says what the use cases need from the world,
`problems.py` every error a client sees.
"""

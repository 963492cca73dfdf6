"""The assets domain: instruments, quotes, the simulated feed, manual prices and valuation.

Pure Python and Decimal; imports nothing of a framework (only `kit.core.money` and `kit.core.errors`).
"""

"""Benchmarks of oscar-privacy's budgets, run by ``make bench`` (see conftest.py)."""

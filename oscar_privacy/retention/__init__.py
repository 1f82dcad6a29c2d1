"""Retention: how long each kind of personal data is kept, and what then."""

from .rules import Rule, get_rule, get_rules, parse_period

__all__ = ["Rule", "get_rule", "get_rules", "parse_period"]

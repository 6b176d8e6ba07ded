"""Doubles of outside services, used by tests and the evaluation harness (network edge only)."""

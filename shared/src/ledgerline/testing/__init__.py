"""Helpers for tests and benchmarks (never imported by a service): generated test documents."""

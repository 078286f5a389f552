"""Benchmarks for lead-router; never part of the test suite."""

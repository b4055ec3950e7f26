"""Benchmarks that print figures; they are not tests."""

"""Signed webhook subscriptions and their deliveries."""

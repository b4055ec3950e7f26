"""Drafts, the decisions people make on them, and the outbox that sends approved mail."""

"""Versioned prompts and reminder templates. A released version is never edited; a change is a
new version directory, and every draft records the version it was written with."""

"""Client replies: inbound mail matched, read, and turned into proposals a person confirms."""

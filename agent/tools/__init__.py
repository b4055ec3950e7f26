"""Small adapters the graph's nodes call; each opens a short transaction and asks a service."""

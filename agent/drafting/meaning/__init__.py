"""The meaning check: what reminder prose claims, by an LLM or by shipped offline classifiers.

``python -m agent.drafting.meaning`` prints the offline classifiers' precision and recall on a
held-out part of the labelled data in ``data/``.
"""

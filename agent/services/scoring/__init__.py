"""Risk scores: training data, scoring, the latest score of an invoice, re-scoring."""

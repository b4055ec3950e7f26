"""Payment-risk model: pure functions from ledger frames to features, models and predictions.

Nothing here opens a database session; ``agent.services.scoring.risk_scoring`` fetches the history,
builds a :class:`risk.ledger.Ledger` and calls in. See ``docs/risk.md``.
"""

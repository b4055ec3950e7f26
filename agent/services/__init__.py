"""The ledger's rules and queries. CLI, API, pages, scheduler and agent tools all call these."""

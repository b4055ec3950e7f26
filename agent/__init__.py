"""paytrack: AI-assisted accounts receivable."""

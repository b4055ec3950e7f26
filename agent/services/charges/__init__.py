"""Late-payment charges: statutory interest, fixed compensation and reminder fees, by code.

Sits between ``ledger`` and ``scoring``: it may import ledger, access and webhooks; reminders,
review and reporting may import it.
"""

"""Billing: prepaid accounts and their ledger, payments from every channel,
reversals, and recharge cards."""

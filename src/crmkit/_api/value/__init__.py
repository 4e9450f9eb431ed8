"""The ledger of money and customer lifetime value."""

"""The service desk: SLA policies and cases."""

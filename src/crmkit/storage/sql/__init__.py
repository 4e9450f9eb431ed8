"""SQL shared by the SQLite and PostgreSQL backends: queries written once, per-dialect values."""

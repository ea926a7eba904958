"""The city's warehouse: schema, engine and migrations (SQLite by default, PostgreSQL in production)."""

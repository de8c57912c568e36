"""Storage (SPEC F): the port, and the built-in memory and SQLite stores."""

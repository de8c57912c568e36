"""Data takeover (SPEC E): the importer port, import runs (E4) and data resets (E5)."""

"""Data sources: one module per source, each with an offline and, where one exists, an online path."""

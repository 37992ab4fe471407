"""Storage: tables, the mapping, unit of work, repositories, bulk writes and migrations."""

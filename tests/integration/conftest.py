"""Integration tests. This folder's helper modules (`postgres_support`) are importable from
every test below it: pytest puts the folder of a conftest on `sys.path`."""

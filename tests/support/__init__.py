"""Test infrastructure shared by the suites: throwaway PostgreSQL, live server, Chromium.

Loaded by tests/conftest.py through ``pytest_plugins = ["tests.support.plugin"]``.
"""

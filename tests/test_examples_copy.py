"""The repository's copy of the worked examples (tests/data/quotes.json) is the project's shared file.

A clone of the repository alone has no ``../shared``: its tests read the copy. Where the shared
directory is beside the repository (the developers' machines, CI), the copy must equal it.
"""

from __future__ import annotations

import json

import pytest

from tests.support.examples import COPY_FILE, SHARED_EXAMPLES_FILE


def test_the_copy_of_the_worked_examples_equals_the_shared_file():
    if not SHARED_EXAMPLES_FILE.is_file():
        pytest.skip(f"no shared examples at {SHARED_EXAMPLES_FILE} (a clone of the repository alone)")
    shared = json.loads(SHARED_EXAMPLES_FILE.read_text(encoding="utf-8"))
    copy = json.loads(COPY_FILE.read_text(encoding="utf-8"))
    assert copy == shared, f"copy {SHARED_EXAMPLES_FILE} to {COPY_FILE}"


def test_the_copy_has_examples():
    assert json.loads(COPY_FILE.read_text(encoding="utf-8"))

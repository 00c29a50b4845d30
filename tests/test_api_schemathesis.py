"""The OpenAPI document matches the API: a bounded Schemathesis run, as ``schemathesis run`` does it.

Schemathesis reads /api/v1/openapi.json from the app and runs its phases (the document's examples, its
boundary values and unexpected methods, then generated data) over every operation the document names,
positive data (what the document allows) and negative data (what it forbids), with every check on: no
5xx, every status and content type documented, bodies matching their schemas, forbidden input refused,
allowed input accepted, 405 with Allow for methods an operation lacks. One allowance: ``POST
/api/v1/quotes`` may answer a well-formed request 422, for the rules that depend on the agency's card or
on several fields at once (listed in the document's QuoteRequest description: an unknown schedule for
that agency, a shift that ends before it starts), which no JSON Schema can state.

``SCHEMATHESIS_EXAMPLES`` (default 30 per operation and phase) searches longer.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "API_RATE_LIMIT": "1000000 per minute"}


def test_the_api_answers_as_its_openapi_document_says(app, agencies):
    config = SchemathesisConfig.from_dict({
        "seed": 20261202,
        "cache": {"enabled": False},  # no .schemathesis/ folder in the work tree
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},  # nothing here links one operation's answer to another
        "operations": [{
            "include-operation-id": "createQuote",
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}},
        }],
    })
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    failures, errors, tested = [], [], {}
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            tested[event.recorder.label] = tested.get(event.recorder.label, 0) + len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        failures.append(f"{event.recorder.label}: {check.name}: {check.failure_info.failure.title}"
                                        f"\n  {case.as_curl_command()[:400]}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(str(getattr(event, "value", None) or getattr(event, "exception", event))[:500])
    assert not errors, errors
    assert not failures, "\n".join(sorted(set(failures))[:20])
    assert {"POST /api/v1/quotes", "GET /api/v1/agencies", "GET /api/v1/agencies/{slug}/rate-card"} <= set(tested)
    assert tested["POST /api/v1/quotes"] >= EXAMPLES, tested  # the run really sent requests

"""H2: schemathesis generates requests from the OpenAPI document itself and sends them to
the running app: no input makes it answer with a server error, and every answer conforms
to the document (status codes, content types, problem bodies)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from lemnicore_web.api import openapi_document

from .conftest import Booking

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

schema = schemathesis.openapi.from_dict(openapi_document("http://127.0.0.1"))


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_h2_the_api_keeps_to_its_openapi_document(case: Any, booking: Booking) -> None:
    if case.path_parameters and "token" in case.path_parameters and len(str(case.body)) % 2:
        case.path_parameters["token"] = booking.token  # half of them reach a real link
    answer = case.call(base_url=booking.url)
    assert answer.status_code < 500, answer.text
    # A schema-valid request may still break a rule the schema cannot express (a week
    # beyond the booking horizon, a slot that is taken): 4xx with a problem is right then.
    case.validate_response(answer, excluded_checks=[positive_data_acceptance])

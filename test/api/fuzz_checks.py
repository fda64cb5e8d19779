# schemathesis check for test/api/fuzz.test.ts: input the published schema allows is not refused as malformed.
#
# schemathesis' own positive_data_acceptance cannot tell a refused shape from a business rule: it fails every 400 and
# 422 alike. Yet some refusals are rules JSON Schema cannot state (a customer id must name a customer, instalment
# portions must add up to 100 %, a key cannot expire in the past). So a 400 or 422 answered to schema-valid input
# passes only when every field it names is one the test lists, per operation (or for "*", every operation), as such
# a rule (AR_FUZZ_BUSINESS_RULES: {"POST /customers": ["body /termsCode", ...]}, array indexes written as *, shell-style
# wildcards allowed; a portal form answers a page naming no field, listed as "(page)"). Anything else refused (a
# currency code the schema lets through but the domain does not know) means the schema must say more.
import fnmatch
import json
import os
import re

import schemathesis

BUSINESS_RULES = json.loads(os.environ.get("AR_FUZZ_BUSINESS_RULES", "{}"))
# Answers about the state of the book or the caller, not the shape of the input: fine for any valid request.
STATE_STATUSES = {401, 403, 404, 409, 412, 429}


def _named_fields(response):
    if "text/html" in response.headers.get("content-type", [""])[0]:
        return ["(page)"]
    try:
        problem = json.loads(response.text)
    except ValueError:
        return None
    errors = problem.get("errors") if isinstance(problem, dict) else None
    if not errors:
        return None
    return [
        # Text PostgreSQL cannot store (a NUL, half a surrogate pair) is refused wherever it is sent: one rule for all.
        "(unstorable text)" if "cannot be stored" in e.get("detail", "")
        else f"{e.get('in', 'body')} {re.sub(r'/[0-9]+(?=/|$)', '/*', e.get('pointer', ''))}"
        for e in errors
    ]


@schemathesis.check
def schema_valid_input_accepted(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    status = response.status_code
    if status < 400 or status >= 500 or status in STATE_STATUSES:
        return None
    label = f"{case.operation.method.upper()} {case.operation.path}"
    fields = _named_fields(response) if status in (400, 422) else None
    rules = [*BUSINESS_RULES.get(label, []), *BUSINESS_RULES.get("*", [])]
    refused = [f for f in (fields or ["(no field named)"]) if not any(fnmatch.fnmatchcase(f, rule) for rule in rules)]
    if refused:
        raise AssertionError(
            f"Schema-valid input refused with {status} for {', '.join(sorted(set(refused)))}: "
            "the schema should say so, or the field is a business rule to list in test/api/fuzz.test.ts"
        )
    return None

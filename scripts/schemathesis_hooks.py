"""Schemathesis hooks for scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

The run sends one account's bearer token with every request. A few generated requests would
end that token and leave the rest of the run testing only the 401 path: resetting the run's
own password (every session of the account ends), revoking the run's own session, and
reissuing or revoking the credential of the camera the run pushes as. When a
generated id is the run's own, it is swapped for an id no record has (the server answers 404,
as it does for any missing record); every other generated value is sent as generated.
"""

import os

import schemathesis

OWN_USER_ID = os.environ.get("ROADWARDEN_ST_USER_ID", "")
OWN_SESSION_ID = os.environ.get("ROADWARDEN_ST_SESSION_ID", "")
OWN_DEVICE_ID = os.environ.get("ROADWARDEN_ST_DEVICE_ID", "")
NO_SUCH_ID = 9_000_000_000_000_000  # positive, fits i64, never reached by the demo

# Operation paths whose `id` path parameter names the run's own account or session.
GUARDED = {
    "/api/v1/users/{id}/password-reset": OWN_USER_ID,
    "/api/v1/users/{id}/standing": OWN_USER_ID,
    "/api/v1/users/{id}/roles/{role}": OWN_USER_ID,
    "/api/v1/me/sessions/{id}": OWN_SESSION_ID,
    "/api/v1/devices/{id}/credentials": OWN_DEVICE_ID,
    "/api/v1/devices/{id}/credentials/{credential}": OWN_DEVICE_ID,
}


@schemathesis.hook
def before_call(context, case, kwargs):
    own = GUARDED.get(case.operation.path)
    params = case.path_parameters
    if own and params and str(params.get("id")) == own:
        params["id"] = NO_SUCH_ID

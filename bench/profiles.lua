-- wrk script: the ceiling, GET /api/v1/profiles (public, no session, constant answer)
wrk.method = "GET"
wrk.path = "/api/v1/profiles"

-- wrk: POST the infer request in $BODY_FILE to the path in $INFER_PATH.
local file = io.open(os.getenv("BODY_FILE"), "r")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.path = os.getenv("INFER_PATH")
wrk.headers["Content-Type"] = "application/json"

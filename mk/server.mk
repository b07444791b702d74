# mlp server (Sources/MLPServer). Its unit tests run in `make test-unit` (MLPServerTests).
#   make test-server  — pytest against the real `mlp server` on loopback, with SQLite and with a
#                       PostgreSQL that scripts/postgres.sh starts (its tests skip, with the reason,
#                       when it cannot start): tokens and roles, blobs, logs, SIGTERM, and schemathesis
#                       against docs/openapi.json as the server serves it
#   make openapi      — regenerates Sources/MLPServer/OpenAPIDocument.swift from docs/openapi.json,
#                       the one source of the API's description (a unit test checks they are equal)
.PHONY: test-server openapi
EXTRA_TESTS += test-server

test-server: build
	MLP=$(CURDIR)/.build/debug/mlp python3 -m pytest -q -rs tests/server

openapi:
	python3 -c 'import json,sys; text=open("docs/openapi.json").read(); json.loads(text); assert "\"\"\"#" not in text; \
	open("Sources/MLPServer/OpenAPIDocument.swift","w").write("// Generated from docs/openapi.json by `make openapi`; do not edit.\n\n/// The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`.\npublic enum OpenAPIDocument {\n    /// docs/openapi.json, byte for byte.\n    public static let text = #\"\"\"\n" + text + "\n\"\"\"#\n}\n")'

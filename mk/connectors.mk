# connector/sqlite, connector/http (against a loopback server; needs python3) and the validate step.
# `make test-unit` runs these too; this target runs only them.
.PHONY: test-connectors
test-connectors:
	$(SWIFT) test --filter 'SQLiteConnectorTests|SQLitePipelineTests|HTTPConnectorTests|HTTPPipelineTests|ValidateStepTests|DataSchema'

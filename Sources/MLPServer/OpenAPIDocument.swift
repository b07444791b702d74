// Generated from docs/openapi.json by `make openapi`; do not edit.

/// The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`.
public enum OpenAPIDocument {
    /// docs/openapi.json, byte for byte.
    public static let text = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "mlp server",
    "version": "1.0.0",
    "description": "The shared store of mlp: every MetadataStore requirement over HTTP (see Sources/MLPStore/Remote/StoreAPI.swift), content-addressed blobs, step logs, tokens and the audit log. Every endpoint but health, ready and this document needs 'Authorization: Bearer TOKEN'; the role each needs is in its description (403 otherwise). A token scoped to projects gets 404 for any other project. Failed authentication is limited per client address (429 with Retry-After). Errors are an ErrorEnvelope whose status follows StoreAPI.status(for:)."
  },
  "servers": [
    {
      "url": "/"
    }
  ],
  "security": [
    {
      "bearer": []
    }
  ],
  "tags": [
    {
      "name": "server"
    },
    {
      "name": "projects"
    },
    {
      "name": "tokens"
    },
    {
      "name": "blobs"
    },
    {
      "name": "logs"
    },
    {
      "name": "runs"
    },
    {
      "name": "steps"
    },
    {
      "name": "lineage"
    },
    {
      "name": "metrics"
    },
    {
      "name": "approvals"
    },
    {
      "name": "registry"
    },
    {
      "name": "deployments"
    }
  ],
  "paths": {
    "/api/v1/health": {
      "get": {
        "summary": "The process answers",
        "operationId": "health",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "security": [],
        "tags": [
          "server"
        ]
      }
    },
    "/api/v1/ready": {
      "get": {
        "summary": "The store answers too (503 when it does not)",
        "operationId": "ready",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Health"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "security": [],
        "tags": [
          "server"
        ]
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "summary": "This document",
        "operationId": "openapi",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "security": [],
        "tags": [
          "server"
        ]
      }
    },
    "/metrics": {
      "get": {
        "summary": "Prometheus metrics: requests by route, method and status; latency histograms",
        "operationId": "metrics",
        "description": "Role: viewer.",
        "tags": [
          "server"
        ],
        "responses": {
          "200": {
            "description": "the Prometheus text exposition",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/whoami": {
      "get": {
        "summary": "The token's own record",
        "operationId": "whoami",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/TokenRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "description": "Role: viewer.",
        "tags": [
          "server"
        ]
      }
    },
    "/api/v1/projects": {
      "get": {
        "summary": "The projects the token may see",
        "operationId": "listProjects",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "description": "Role: viewer.",
        "tags": [
          "projects"
        ]
      }
    },
    "/api/v1/projects/{project}": {
      "put": {
        "summary": "Create a project (its namespace); idempotent",
        "operationId": "createProject",
        "responses": {
          "200": {
            "description": "it existed",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Project"
                }
              }
            }
          },
          "201": {
            "description": "created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Project"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        ],
        "description": "Role: runner.",
        "tags": [
          "projects"
        ]
      }
    },
    "/api/v1/tokens": {
      "get": {
        "summary": "Every token, revoked ones included",
        "operationId": "listTokens",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/TokenRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "description": "Role: admin.",
        "tags": [
          "tokens"
        ]
      },
      "post": {
        "summary": "Create a token (audited); its secret is answered once",
        "operationId": "createToken",
        "responses": {
          "201": {
            "description": "created",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CreatedToken"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/TokenRequest"
              }
            }
          }
        },
        "description": "Role: admin.",
        "tags": [
          "tokens"
        ]
      }
    },
    "/api/v1/tokens/{id}": {
      "delete": {
        "summary": "Revoke a token (audited)",
        "operationId": "revokeToken",
        "description": "Role: admin.",
        "tags": [
          "tokens"
        ],
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "204": {
            "description": "revoked"
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/audit": {
      "get": {
        "summary": "The audit log, oldest first: decisions, token creation and revocation",
        "operationId": "audit",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/AuditEvent"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "after",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 0
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 10000,
              "default": 1000
            }
          }
        ],
        "description": "Role: admin.",
        "tags": [
          "tokens"
        ]
      }
    },
    "/api/v1/blobs/sha256/{digest}": {
      "head": {
        "summary": "Whether the blob is stored (200 with Content-Length, or 404)",
        "operationId": "blobExists",
        "description": "Role: viewer.",
        "tags": [
          "blobs"
        ],
        "parameters": [
          {
            "name": "digest",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-f]{64}$"
            },
            "description": "SHA-256 of the bytes, lower-case hex"
          }
        ],
        "responses": {
          "200": {
            "description": "stored",
            "headers": {
              "Content-Length": {
                "schema": {
                  "type": "integer",
                  "format": "int64"
                }
              }
            }
          },
          "404": {
            "description": "not stored"
          },
          "default": {
            "description": "an error"
          }
        }
      },
      "get": {
        "summary": "The blob's bytes; Range: bytes=a-b, a- or -n answers 206 with Content-Range (416 past the end)",
        "operationId": "getBlob",
        "description": "Role: viewer.",
        "tags": [
          "blobs"
        ],
        "parameters": [
          {
            "name": "digest",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-f]{64}$"
            },
            "description": "SHA-256 of the bytes, lower-case hex"
          },
          {
            "name": "Range",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "the whole blob",
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "206": {
            "description": "the range asked for",
            "headers": {
              "Content-Range": {
                "schema": {
                  "type": "string"
                }
              }
            },
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      },
      "put": {
        "summary": "Store a blob: streamed to a temporary file while hashed, fsynced and renamed only when the bytes hash to the digest",
        "operationId": "putBlob",
        "description": "Role: runner. A wrong digest is a 400 and stores nothing; a cut upload stores nothing.",
        "tags": [
          "blobs"
        ],
        "parameters": [
          {
            "name": "digest",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "pattern": "^[0-9a-f]{64}$"
            },
            "description": "SHA-256 of the bytes, lower-case hex"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "it was stored already",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StoredBlob"
                }
              }
            }
          },
          "201": {
            "description": "stored",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StoredBlob"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/projects/{project}/attempts/{attemptID}/logs/{stream}": {
      "put": {
        "summary": "Append log bytes at offset (idempotent by offset: bytes already there are not written again; a gap is a 409)",
        "operationId": "appendLog",
        "description": "Role: runner.",
        "tags": [
          "logs"
        ],
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "attemptID",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          },
          {
            "name": "stream",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "stdout",
                "stderr"
              ]
            }
          },
          {
            "name": "offset",
            "in": "query",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 0
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/octet-stream": {
              "schema": {
                "type": "string",
                "format": "binary"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "the log's size now",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LogSize"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      },
      "get": {
        "summary": "Log bytes from offset (at most 4 MiB); X-Log-Size says the whole size",
        "operationId": "readLog",
        "description": "Role: viewer.",
        "tags": [
          "logs"
        ],
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "attemptID",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          },
          {
            "name": "stream",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string",
              "enum": [
                "stdout",
                "stderr"
              ]
            }
          },
          {
            "name": "offset",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 0
            }
          }
        ],
        "responses": {
          "200": {
            "description": "the bytes",
            "headers": {
              "X-Log-Size": {
                "schema": {
                  "type": "integer",
                  "format": "int64"
                }
              }
            },
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/projects/{project}/runs": {
      "post": {
        "summary": "createRun: a run with its params and planned steps, in one transaction",
        "operationId": "createRun",
        "responses": {
          "200": {
            "description": "the steps with their ids",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/StepRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 200,
              "pattern": "^[!-~]+$"
            },
            "description": "a write sent again with the same key returns the first answer and changes nothing"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CreateRunRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "runs"
        ]
      },
      "get": {
        "summary": "runs",
        "operationId": "runs",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/RunRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "$ref": "#/components/schemas/RunStatus"
            }
          },
          {
            "name": "pipeline",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 100000,
              "default": 50
            }
          },
          {
            "name": "offset",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 2147483647,
              "default": 0
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/commits": {
      "post": {
        "summary": "commit: state changes in one transaction, all or none",
        "operationId": "commit",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/CommittedChange"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": 200,
              "pattern": "^[!-~]+$"
            },
            "description": "a write sent again with the same key returns the first answer and changes nothing"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CommitRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/summaries": {
      "get": {
        "summary": "runSummaries: runs with step counts",
        "operationId": "runSummaries",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/RunSummary"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "$ref": "#/components/schemas/RunStatus"
            }
          },
          {
            "name": "pipeline",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 100000,
              "default": 50
            }
          },
          {
            "name": "offset",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 2147483647,
              "default": 0
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/count": {
      "get": {
        "summary": "runCount",
        "operationId": "runCount",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/CountResponse"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "$ref": "#/components/schemas/RunStatus"
            }
          },
          {
            "name": "pipeline",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 100000,
              "default": 50
            }
          },
          {
            "name": "offset",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 2147483647,
              "default": 0
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/find": {
      "get": {
        "summary": "findRun: by id, unique id prefix, or latest",
        "operationId": "findRun",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "ref",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}": {
      "get": {
        "summary": "run(id:) (404: none)",
        "operationId": "run",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}/params": {
      "get": {
        "summary": "params",
        "operationId": "params",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ParamRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}/steps": {
      "get": {
        "summary": "steps",
        "operationId": "steps",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/StepRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}/metrics": {
      "get": {
        "summary": "metrics",
        "operationId": "metrics",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/MetricRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "metrics"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}/cancel": {
      "post": {
        "summary": "requestCancel: ask the process driving the run to cancel it",
        "operationId": "requestCancel",
        "description": "Role: runner.",
        "tags": [
          "runs"
        ],
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          }
        ],
        "responses": {
          "204": {
            "description": "asked"
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        }
      }
    },
    "/api/v1/projects/{project}/runs/{id}/resume": {
      "post": {
        "summary": "prepareResume: running attempts marked interrupted, unfinished steps back to pending",
        "operationId": "prepareResume",
        "responses": {
          "200": {
            "description": "the interrupted attempts",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/AttemptRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          }
        ],
        "description": "Role: runner.",
        "tags": [
          "runs"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}/approvals/{step}": {
      "get": {
        "summary": "approval (404: none)",
        "operationId": "approval",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ApprovalRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          },
          {
            "name": "step",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "approvals"
        ]
      }
    },
    "/api/v1/projects/{project}/runs/{id}/approvals/{step}/decision": {
      "post": {
        "summary": "decide a waiting gate; recorded under the token's user and audited",
        "operationId": "decide",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ApprovalRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "id",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            },
            "description": "a run id"
          },
          {
            "name": "step",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DecisionRequest"
              }
            }
          }
        },
        "description": "Role: approver.",
        "tags": [
          "approvals"
        ]
      }
    },
    "/api/v1/projects/{project}/approvals": {
      "get": {
        "summary": "approvals",
        "operationId": "approvals",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ApprovalRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "status",
            "in": "query",
            "required": false,
            "schema": {
              "$ref": "#/components/schemas/ApprovalStatus"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "approvals"
        ]
      }
    },
    "/api/v1/projects/{project}/steps/previous": {
      "get": {
        "summary": "previousExecution (404: none)",
        "operationId": "previousExecution",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StepRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "pipeline",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "step",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "index",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 2147483647
            }
          },
          {
            "name": "before",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "steps"
        ]
      }
    },
    "/api/v1/projects/{project}/steps/{stepID}": {
      "get": {
        "summary": "step(id:) (404: none)",
        "operationId": "step",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StepRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "stepID",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "steps"
        ]
      }
    },
    "/api/v1/projects/{project}/steps/{stepID}/attempts": {
      "get": {
        "summary": "attempts",
        "operationId": "attempts",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/AttemptRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "stepID",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "steps"
        ]
      }
    },
    "/api/v1/projects/{project}/steps/{stepID}/lineage": {
      "get": {
        "summary": "lineage(stepID:)",
        "operationId": "stepLineage",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/LineageRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "stepID",
            "in": "path",
            "required": true,
            "schema": {
              "type": "integer",
              "format": "int64",
              "minimum": 1
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "lineage"
        ]
      }
    },
    "/api/v1/projects/{project}/cache/lookup": {
      "post": {
        "summary": "cachedExecutions: the newest reusable execution per cache key (keys without one are absent)",
        "operationId": "cachedExecutions",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "additionalProperties": {
                    "$ref": "#/components/schemas/StepRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/CacheLookupRequest"
              }
            }
          }
        },
        "description": "Role: viewer.",
        "tags": [
          "steps"
        ]
      }
    },
    "/api/v1/projects/{project}/artifacts": {
      "get": {
        "summary": "artifacts, newest first",
        "operationId": "artifacts",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ArtifactRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 100000,
              "default": 100
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "lineage"
        ]
      }
    },
    "/api/v1/projects/{project}/artifacts/{ref}": {
      "get": {
        "summary": "findArtifact: by digest or unique prefix",
        "operationId": "findArtifact",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ArtifactRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "ref",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "lineage"
        ]
      }
    },
    "/api/v1/projects/{project}/lineage/{digest}": {
      "get": {
        "summary": "lineage(digest:): the steps that produced and consumed an artifact",
        "operationId": "lineage",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/LineageEdge"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "digest",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "lineage"
        ]
      }
    },
    "/api/v1/projects/{project}/models": {
      "get": {
        "summary": "models",
        "operationId": "models",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ModelSummary"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "registry"
        ]
      }
    },
    "/api/v1/projects/{project}/models/resolve": {
      "get": {
        "summary": "resolveModel: NAME, NAME:VERSION or NAME@ALIAS",
        "operationId": "resolveModel",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ModelVersionRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "ref",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "registry"
        ]
      }
    },
    "/api/v1/projects/{project}/models/{name}/versions": {
      "get": {
        "summary": "modelVersions, oldest first",
        "operationId": "modelVersions",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ModelVersionRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "registry"
        ]
      }
    },
    "/api/v1/projects/{project}/models/{name}/alias-events": {
      "get": {
        "summary": "aliasEvents, oldest first",
        "operationId": "aliasEvents",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/ModelAliasEventRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "registry"
        ]
      }
    },
    "/api/v1/projects/{project}/models/{name}/aliases/{alias}": {
      "post": {
        "summary": "moveAlias (by the token's user)",
        "operationId": "moveAlias",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ModelAliasEventRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "alias",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/AliasRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "registry"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments": {
      "get": {
        "summary": "deployments",
        "operationId": "deployments",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/DeploymentRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "deployments"
        ]
      },
      "post": {
        "summary": "deploy (by the token's user)",
        "operationId": "deploy",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeploymentRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/DeploymentSpec"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}": {
      "get": {
        "summary": "deployment (404: none)",
        "operationId": "deployment",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeploymentRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}/events": {
      "get": {
        "summary": "deploymentEvents, oldest first",
        "operationId": "deploymentEvents",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/DeploymentEventRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}/promote": {
      "post": {
        "summary": "promote the candidate",
        "operationId": "promote",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeploymentRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: runner.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}/rollback": {
      "post": {
        "summary": "rollback (an empty body: no reason)",
        "operationId": "rollback",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeploymentRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": false,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RollbackRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}/auto-rollback": {
      "post": {
        "summary": "autoRollback of the candidate judged at a generation (null: the deployment changed since)",
        "operationId": "autoRollback",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "anyOf": [
                    {
                      "$ref": "#/components/schemas/DeploymentRecord"
                    },
                    {
                      "type": "null"
                    }
                  ]
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/AutoRollbackRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}/request-logs": {
      "get": {
        "summary": "requestLogs, oldest first",
        "operationId": "requestLogs",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "$ref": "#/components/schemas/RequestLogRecord"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "description": "Role: viewer.",
        "tags": [
          "deployments"
        ]
      },
      "post": {
        "summary": "recordRequestLog: a sealed segment and its dataset artifact",
        "operationId": "recordRequestLog",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RequestLogRecord"
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RequestLogRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/deployments/{name}/request-logs/prune": {
      "post": {
        "summary": "pruneRequestLogs: the digests of dropped segments nothing else refers to",
        "operationId": "pruneRequestLogs",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          },
          {
            "name": "name",
            "in": "path",
            "required": true,
            "schema": {
              "type": "string"
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/PruneRequest"
              }
            }
          }
        },
        "description": "Role: runner.",
        "tags": [
          "deployments"
        ]
      }
    },
    "/api/v1/projects/{project}/integrity": {
      "get": {
        "summary": "integrityCheck: [\"ok\"] when the database is sound",
        "operationId": "integrityCheck",
        "responses": {
          "200": {
            "description": "OK",
            "content": {
              "application/json": {
                "schema": {
                  "type": "array",
                  "items": {
                    "type": "string"
                  }
                }
              }
            }
          },
          "default": {
            "description": "an error: what was wrong and what to do",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ErrorEnvelope"
                }
              }
            }
          }
        },
        "parameters": [
          {
            "name": "project",
            "in": "path",
            "required": true,
            "schema": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        ],
        "description": "Role: admin.",
        "tags": [
          "runs"
        ]
      }
    }
  },
  "components": {
    "schemas": {
      "RunStatus": {
        "type": "string",
        "enum": [
          "pending",
          "running",
          "waiting",
          "succeeded",
          "failed",
          "cancelled",
          "rejected"
        ]
      },
      "StepStatus": {
        "type": "string",
        "enum": [
          "pending",
          "running",
          "retrying",
          "waiting",
          "succeeded",
          "cached",
          "failed",
          "skipped",
          "cancelled",
          "rejected"
        ]
      },
      "ApprovalStatus": {
        "type": "string",
        "enum": [
          "pending",
          "approved",
          "rejected"
        ]
      },
      "PortType": {
        "type": "string",
        "enum": [
          "int",
          "float",
          "string",
          "bool",
          "file",
          "directory",
          "dataset",
          "model",
          "metrics",
          "json"
        ]
      },
      "DeploymentMode": {
        "type": "string",
        "enum": [
          "direct",
          "canary",
          "shadow"
        ]
      },
      "Role": {
        "type": "string",
        "enum": [
          "viewer",
          "runner",
          "approver",
          "admin"
        ],
        "description": "viewer reads; runner also writes runs, artifacts, registry moves and deployments; approver reads and decides gates; admin does everything"
      },
      "RunRecord": {
        "type": "object",
        "required": [
          "cancelRequested",
          "createdAt",
          "host",
          "id",
          "mlpVersion",
          "noCache",
          "parallelism",
          "pipeline",
          "pipelineDigest",
          "pipelineFile",
          "pipelineText",
          "projectDirectory",
          "status"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "pipeline": {
            "type": "string"
          },
          "projectDirectory": {
            "type": "string"
          },
          "pipelineText": {
            "type": "string"
          },
          "pipelineFile": {
            "type": "string"
          },
          "pipelineDigest": {
            "type": "string"
          },
          "status": {
            "$ref": "#/components/schemas/RunStatus"
          },
          "mlpVersion": {
            "type": "string"
          },
          "host": {
            "type": "string"
          },
          "createdAt": {
            "type": "number"
          },
          "cancelRequested": {
            "type": "boolean"
          },
          "parallelism": {
            "type": "integer"
          },
          "noCache": {
            "type": "boolean"
          },
          "gitCommit": {
            "type": [
              "string",
              "null"
            ]
          },
          "gitDirty": {
            "type": [
              "boolean",
              "null"
            ]
          },
          "startedAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "finishedAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "error": {
            "type": [
              "string",
              "null"
            ]
          }
        },
        "description": "One execution of a pipeline. Times are seconds since 1970."
      },
      "ParamRecord": {
        "type": "object",
        "required": [
          "name",
          "runID",
          "type",
          "value"
        ],
        "properties": {
          "runID": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "type": {
            "$ref": "#/components/schemas/PortType"
          },
          "value": {
            "type": "string",
            "description": "canonical JSON of the value"
          }
        }
      },
      "StepRecord": {
        "type": "object",
        "required": [
          "attempts",
          "cacheHit",
          "kind",
          "name",
          "runID",
          "status"
        ],
        "properties": {
          "runID": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "kind": {
            "type": "string"
          },
          "status": {
            "$ref": "#/components/schemas/StepStatus"
          },
          "attempts": {
            "type": "integer"
          },
          "cacheHit": {
            "type": "boolean"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "index": {
            "type": [
              "integer",
              "null"
            ]
          },
          "cacheKey": {
            "type": [
              "string",
              "null"
            ]
          },
          "cachedFrom": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "cacheParts": {
            "type": [
              "string",
              "null"
            ]
          },
          "startedAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "finishedAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "error": {
            "type": [
              "string",
              "null"
            ]
          },
          "outputs": {
            "type": [
              "string",
              "null"
            ]
          },
          "item": {
            "type": [
              "string",
              "null"
            ]
          },
          "childCount": {
            "type": [
              "integer",
              "null"
            ]
          }
        },
        "description": "One step of a run, or one item of a fan-out step (index set)."
      },
      "AttemptRecord": {
        "type": "object",
        "required": [
          "number",
          "outcome",
          "startedAt",
          "stepID"
        ],
        "properties": {
          "stepID": {
            "type": "integer",
            "format": "int64"
          },
          "number": {
            "type": "integer"
          },
          "outcome": {
            "type": "string",
            "enum": [
              "running",
              "succeeded",
              "failed",
              "timed_out",
              "cancelled",
              "interrupted"
            ]
          },
          "startedAt": {
            "type": "number"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "handle": {
            "type": [
              "string",
              "null"
            ]
          },
          "finishedAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "exitCode": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int32"
          },
          "error": {
            "type": [
              "string",
              "null"
            ]
          },
          "stdoutPath": {
            "type": [
              "string",
              "null"
            ]
          },
          "stderrPath": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "ArtifactRecord": {
        "type": "object",
        "required": [
          "createdAt",
          "digest",
          "size",
          "type"
        ],
        "properties": {
          "digest": {
            "type": "string"
          },
          "type": {
            "$ref": "#/components/schemas/PortType"
          },
          "size": {
            "type": "integer",
            "format": "int64"
          },
          "createdAt": {
            "type": "number"
          }
        }
      },
      "LineageRecord": {
        "type": "object",
        "required": [
          "digest",
          "direction",
          "port",
          "runID",
          "stepID"
        ],
        "properties": {
          "digest": {
            "type": "string"
          },
          "stepID": {
            "type": "integer",
            "format": "int64"
          },
          "runID": {
            "type": "string"
          },
          "direction": {
            "type": "string",
            "enum": [
              "produced",
              "consumed"
            ]
          },
          "port": {
            "type": "string"
          }
        }
      },
      "LineageEdge": {
        "type": "object",
        "required": [
          "direction",
          "port",
          "runID",
          "step",
          "stepID"
        ],
        "properties": {
          "direction": {
            "type": "string",
            "enum": [
              "produced",
              "consumed"
            ]
          },
          "runID": {
            "type": "string"
          },
          "step": {
            "type": "string"
          },
          "port": {
            "type": "string"
          },
          "stepID": {
            "type": "integer",
            "format": "int64"
          },
          "index": {
            "type": [
              "integer",
              "null"
            ]
          }
        }
      },
      "MetricRecord": {
        "type": "object",
        "required": [
          "createdAt",
          "key",
          "runID",
          "value"
        ],
        "properties": {
          "runID": {
            "type": "string"
          },
          "key": {
            "type": "string"
          },
          "value": {
            "type": "number"
          },
          "createdAt": {
            "type": "number"
          },
          "stepID": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "iteration": {
            "type": [
              "integer",
              "null"
            ]
          }
        }
      },
      "ApprovalRecord": {
        "type": "object",
        "required": [
          "requestedAt",
          "runID",
          "status",
          "step",
          "stepID"
        ],
        "properties": {
          "runID": {
            "type": "string"
          },
          "stepID": {
            "type": "integer",
            "format": "int64"
          },
          "step": {
            "type": "string"
          },
          "status": {
            "$ref": "#/components/schemas/ApprovalStatus"
          },
          "requestedAt": {
            "type": "number"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "shown": {
            "type": [
              "string",
              "null"
            ]
          },
          "rule": {
            "type": [
              "string",
              "null"
            ]
          },
          "deadline": {
            "type": [
              "number",
              "null"
            ]
          },
          "decidedAt": {
            "type": [
              "number",
              "null"
            ]
          },
          "decidedBy": {
            "type": [
              "string",
              "null"
            ]
          },
          "comment": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "ModelVersionRecord": {
        "type": "object",
        "required": [
          "card",
          "createdAt",
          "createdBy",
          "digest",
          "name",
          "type",
          "version"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "version": {
            "type": "integer"
          },
          "digest": {
            "type": "string"
          },
          "type": {
            "$ref": "#/components/schemas/PortType"
          },
          "createdAt": {
            "type": "number"
          },
          "createdBy": {
            "type": "string"
          },
          "card": {
            "type": "string",
            "description": "the model card, JSON"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "runID": {
            "type": [
              "string",
              "null"
            ]
          },
          "stepID": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          }
        }
      },
      "ModelRegistration": {
        "type": "object",
        "required": [
          "aliases",
          "version"
        ],
        "properties": {
          "version": {
            "$ref": "#/components/schemas/ModelVersionRecord"
          },
          "aliases": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "ModelAliasEventRecord": {
        "type": "object",
        "required": [
          "alias",
          "at",
          "by",
          "name",
          "toVersion"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "alias": {
            "type": "string"
          },
          "toVersion": {
            "type": "integer"
          },
          "at": {
            "type": "number"
          },
          "by": {
            "type": "string"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "fromVersion": {
            "type": [
              "integer",
              "null"
            ]
          }
        }
      },
      "ModelSummary": {
        "type": "object",
        "required": [
          "aliases",
          "latest",
          "name",
          "versions"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "versions": {
            "type": "integer"
          },
          "latest": {
            "$ref": "#/components/schemas/ModelVersionRecord"
          },
          "aliases": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            },
            "description": "alias → version"
          }
        }
      },
      "DeploymentSpec": {
        "type": "object",
        "required": [
          "canaryPercent",
          "minRequests",
          "mode",
          "model",
          "name",
          "version"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "version": {
            "type": "integer"
          },
          "mode": {
            "$ref": "#/components/schemas/DeploymentMode"
          },
          "canaryPercent": {
            "type": "number"
          },
          "minRequests": {
            "type": "integer"
          },
          "stickyHeader": {
            "type": [
              "string",
              "null"
            ]
          },
          "maxErrorRate": {
            "type": [
              "number",
              "null"
            ]
          },
          "maxP99Ms": {
            "type": [
              "number",
              "null"
            ]
          }
        }
      },
      "DeploymentRecord": {
        "type": "object",
        "required": [
          "canaryPercent",
          "createdAt",
          "generation",
          "minRequests",
          "mode",
          "model",
          "name",
          "stableVersion",
          "updatedAt",
          "updatedBy"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "stableVersion": {
            "type": "integer"
          },
          "mode": {
            "$ref": "#/components/schemas/DeploymentMode"
          },
          "canaryPercent": {
            "type": "number"
          },
          "minRequests": {
            "type": "integer"
          },
          "generation": {
            "type": "integer",
            "format": "int64"
          },
          "createdAt": {
            "type": "number"
          },
          "updatedAt": {
            "type": "number"
          },
          "updatedBy": {
            "type": "string"
          },
          "candidateVersion": {
            "type": [
              "integer",
              "null"
            ]
          },
          "previousStableVersion": {
            "type": [
              "integer",
              "null"
            ]
          },
          "stickyHeader": {
            "type": [
              "string",
              "null"
            ]
          },
          "maxErrorRate": {
            "type": [
              "number",
              "null"
            ]
          },
          "maxP99Ms": {
            "type": [
              "number",
              "null"
            ]
          }
        }
      },
      "DeploymentEventRecord": {
        "type": "object",
        "required": [
          "action",
          "at",
          "by",
          "generation",
          "name",
          "stableVersion"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "action": {
            "type": "string",
            "enum": [
              "deploy",
              "canary",
              "shadow",
              "promote",
              "rollback",
              "auto-rollback"
            ]
          },
          "stableVersion": {
            "type": "integer"
          },
          "generation": {
            "type": "integer",
            "format": "int64"
          },
          "at": {
            "type": "number"
          },
          "by": {
            "type": "string"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "candidateVersion": {
            "type": [
              "integer",
              "null"
            ]
          },
          "reason": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "RequestLogRecord": {
        "type": "object",
        "required": [
          "createdAt",
          "deployment",
          "digest",
          "firstAt",
          "lastAt",
          "rows"
        ],
        "properties": {
          "deployment": {
            "type": "string"
          },
          "digest": {
            "type": "string"
          },
          "rows": {
            "type": "integer"
          },
          "firstAt": {
            "type": "number"
          },
          "lastAt": {
            "type": "number"
          },
          "createdAt": {
            "type": "number"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          }
        }
      },
      "RunSummary": {
        "type": "object",
        "required": [
          "counts",
          "run"
        ],
        "properties": {
          "run": {
            "$ref": "#/components/schemas/RunRecord"
          },
          "counts": {
            "type": "object",
            "additionalProperties": {
              "type": "integer"
            },
            "description": "steps by status"
          }
        }
      },
      "RunUpdate": {
        "type": "object",
        "required": [
          "id",
          "status"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "status": {
            "$ref": "#/components/schemas/RunStatus"
          },
          "error": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "StateChange": {
        "type": "object",
        "required": [
          "artifacts",
          "lineage",
          "metrics",
          "newSteps",
          "steps"
        ],
        "properties": {
          "steps": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/StepRecord"
            }
          },
          "newSteps": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/StepRecord"
            }
          },
          "artifacts": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ArtifactRecord"
            }
          },
          "lineage": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/LineageRecord"
            }
          },
          "metrics": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/MetricRecord"
            }
          },
          "run": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/RunUpdate"
              },
              {
                "type": "null"
              }
            ]
          },
          "attempt": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/AttemptRecord"
              },
              {
                "type": "null"
              }
            ]
          },
          "approval": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/ApprovalRecord"
              },
              {
                "type": "null"
              }
            ]
          },
          "registration": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/ModelRegistration"
              },
              {
                "type": "null"
              }
            ]
          }
        },
        "description": "Everything that changes together in one state change of a run."
      },
      "CommittedChange": {
        "type": "object",
        "required": [
          "newSteps"
        ],
        "properties": {
          "newSteps": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/StepRecord"
            }
          },
          "attempt": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/AttemptRecord"
              },
              {
                "type": "null"
              }
            ]
          },
          "approval": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/ApprovalRecord"
              },
              {
                "type": "null"
              }
            ]
          },
          "registered": {
            "anyOf": [
              {
                "$ref": "#/components/schemas/ModelVersionRecord"
              },
              {
                "type": "null"
              }
            ]
          }
        }
      },
      "CreateRunRequest": {
        "type": "object",
        "required": [
          "params",
          "run",
          "steps"
        ],
        "properties": {
          "run": {
            "$ref": "#/components/schemas/RunRecord"
          },
          "params": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/ParamRecord"
            }
          },
          "steps": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/StepRecord"
            }
          }
        }
      },
      "CommitRequest": {
        "type": "object",
        "required": [
          "changes"
        ],
        "properties": {
          "changes": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/StateChange"
            }
          }
        },
        "description": "State changes committed in one transaction: all or none."
      },
      "CacheLookupRequest": {
        "type": "object",
        "required": [
          "keys"
        ],
        "properties": {
          "keys": {
            "type": "array",
            "items": {
              "type": "string"
            }
          }
        }
      },
      "DecisionRequest": {
        "type": "object",
        "required": [
          "approve"
        ],
        "properties": {
          "approve": {
            "type": "boolean"
          },
          "comment": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "AliasRequest": {
        "type": "object",
        "required": [
          "version"
        ],
        "properties": {
          "version": {
            "type": "integer"
          }
        }
      },
      "RollbackRequest": {
        "type": "object",
        "required": [],
        "properties": {
          "reason": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "AutoRollbackRequest": {
        "type": "object",
        "required": [
          "generation",
          "reason"
        ],
        "properties": {
          "generation": {
            "type": "integer",
            "format": "int64"
          },
          "reason": {
            "type": "string"
          }
        }
      },
      "RequestLogRequest": {
        "type": "object",
        "required": [
          "artifact",
          "log"
        ],
        "properties": {
          "log": {
            "$ref": "#/components/schemas/RequestLogRecord"
          },
          "artifact": {
            "$ref": "#/components/schemas/ArtifactRecord"
          }
        }
      },
      "PruneRequest": {
        "type": "object",
        "required": [
          "keepingBytes"
        ],
        "properties": {
          "keepingBytes": {
            "type": "integer",
            "format": "int64",
            "minimum": 0
          }
        }
      },
      "CountResponse": {
        "type": "object",
        "required": [
          "count"
        ],
        "properties": {
          "count": {
            "type": "integer"
          }
        }
      },
      "TokenRecord": {
        "type": "object",
        "required": [
          "createdAt",
          "id",
          "role",
          "user"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "user": {
            "type": "string"
          },
          "role": {
            "$ref": "#/components/schemas/Role"
          },
          "createdAt": {
            "type": "number"
          },
          "projects": {
            "type": [
              "array",
              "null"
            ],
            "items": {
              "type": "string"
            }
          },
          "revokedAt": {
            "type": [
              "number",
              "null"
            ]
          }
        },
        "description": "A bearer token as the server keeps it (never the secret)."
      },
      "TokenRequest": {
        "type": "object",
        "required": [
          "role",
          "user"
        ],
        "properties": {
          "user": {
            "type": "string",
            "minLength": 1,
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u0020\\u007f-\\u009f]([^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u009f])?$",
            "description": "who acts with the token: no control characters, no space at either end"
          },
          "role": {
            "$ref": "#/components/schemas/Role"
          },
          "projects": {
            "type": [
              "array",
              "null"
            ],
            "items": {
              "$ref": "#/components/schemas/ProjectName"
            }
          }
        }
      },
      "CreatedToken": {
        "type": "object",
        "required": [
          "createdAt",
          "id",
          "role",
          "token",
          "user"
        ],
        "properties": {
          "token": {
            "type": "string",
            "description": "the secret, shown this once"
          },
          "id": {
            "type": "string"
          },
          "user": {
            "type": "string"
          },
          "role": {
            "$ref": "#/components/schemas/Role"
          },
          "createdAt": {
            "type": "number"
          },
          "projects": {
            "type": [
              "array",
              "null"
            ],
            "items": {
              "type": "string"
            }
          }
        }
      },
      "AuditEvent": {
        "type": "object",
        "required": [
          "action",
          "at",
          "target",
          "user"
        ],
        "properties": {
          "at": {
            "type": "number"
          },
          "user": {
            "type": "string"
          },
          "action": {
            "type": "string"
          },
          "target": {
            "type": "string"
          },
          "id": {
            "type": [
              "integer",
              "null"
            ],
            "format": "int64"
          },
          "project": {
            "type": [
              "string",
              "null"
            ]
          },
          "client": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "ProjectName": {
        "type": "string",
        "pattern": "^[a-z0-9][a-z0-9_-]{0,62}$",
        "description": "1 to 63 characters: lowercase letters, digits, '-' and '_', starting with a letter or digit"
      },
      "Project": {
        "type": "object",
        "required": [
          "name"
        ],
        "properties": {
          "name": {
            "type": "string"
          }
        }
      },
      "Health": {
        "type": "object",
        "required": [
          "status"
        ],
        "properties": {
          "status": {
            "type": "string"
          }
        }
      },
      "StoredBlob": {
        "type": "object",
        "required": [
          "digest",
          "size"
        ],
        "properties": {
          "digest": {
            "type": "string"
          },
          "size": {
            "type": "integer",
            "format": "int64"
          }
        }
      },
      "LogSize": {
        "type": "object",
        "required": [
          "size"
        ],
        "properties": {
          "size": {
            "type": "integer",
            "format": "int64"
          }
        }
      },
      "ErrorEnvelope": {
        "type": "object",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "code",
              "message"
            ],
            "properties": {
              "message": {
                "type": "string"
              },
              "code": {
                "type": "string"
              },
              "store": {
                "type": [
                  "object",
                  "null"
                ],
                "description": "the store's own error (StoreError), so a client throws what a local store would"
              }
            }
          }
        },
        "description": "Every error answer."
      }
    },
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "mlp_ and 43 base64url characters (mlp server token create)"
      }
    }
  }
}

"""#
}

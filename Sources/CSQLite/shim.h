// The system libsqlite3 for connector/sqlite (libsqlite3-dev).
#ifndef MLP_CSQLITE_SHIM_H
#define MLP_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT, which Swift cannot import (a cast of -1 to a function pointer).
static inline sqlite3_destructor_type mlp_sqlite_transient(void) { return SQLITE_TRANSIENT; }

#endif

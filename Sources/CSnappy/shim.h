// The system libsnappy's C interface (libsnappy-dev), for Parquet pages (MLPData/Parquet).
#ifndef MLP_CSNAPPY_SHIM_H
#define MLP_CSNAPPY_SHIM_H

#include <snappy-c.h>

#endif

// The system libzstd (libzstd-dev), for Parquet pages (MLPData/Parquet).
#ifndef MLP_CZSTD_SHIM_H
#define MLP_CZSTD_SHIM_H

#include <zstd.h>

#endif

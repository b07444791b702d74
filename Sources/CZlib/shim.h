// The system zlib (zlib1g-dev), for gzip Parquet pages (MLPData/Parquet).
#ifndef MLP_CZLIB_SHIM_H
#define MLP_CZLIB_SHIM_H

#include <zlib.h>

/// inflateInit2 for gzip or zlib streams (header detected), which Swift cannot call (a macro).
static inline int mlp_inflate_init_gzip(z_stream *stream) { return inflateInit2(stream, 15 + 32); }

/// deflateInit2 writing a gzip stream (windowBits 15 + 16) at the default level.
static inline int mlp_deflate_init_gzip(z_stream *stream) {
    return deflateInit2(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}

#endif

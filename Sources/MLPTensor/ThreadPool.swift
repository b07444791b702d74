import CKernels

/// A fixed set of threads for MLPTensor's kernels (quantized matmul, attention, and f32 linear
/// layers, whose sgemm calls it splits by output columns); OpenBLAS is told to use 1 thread.
public final class ThreadPool: @unchecked Sendable {
    /// The threads work runs on, the calling thread included.
    public let threadCount: Int
    let pool: OpaquePointer

    /// Starts `threadCount - 1` workers (the caller is the last thread) and sets OpenBLAS to
    /// 1 thread (its own threads spin between calls and would compete with these). Throws when
    /// threadCount < 1 or a thread cannot start.
    public init(threadCount: Int) throws {
        guard threadCount >= 1, threadCount <= 1024 else {
            throw TensorError.kernelFailed("a thread pool needs 1 to 1024 threads, not \(threadCount)")
        }
        guard let pool = ck_pool_create(Int32(threadCount)) else {
            throw TensorError.kernelFailed("could not start \(threadCount - 1) worker threads")
        }
        self.pool = pool
        self.threadCount = threadCount
        ck_blas_set_threads(1)
    }

    /// The number of CPUs this process may run on.
    public static var availableCores: Int {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }

    /// Calls `body(i)` for every i in 0..<count across the pool's threads and returns when all
    /// calls have returned. `body` must be safe to call from several threads at once.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        withoutActuallyEscaping(body) { escapable in
            var task = escapable
            withUnsafeMutablePointer(to: &task) { pointer in
                ck_pool_run(pool, Int64(count), { context, index in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(index))
                }, pointer)
            }
        }
    }

    deinit { ck_pool_destroy(pool) }
}

#if canImport(Glibc)
import Glibc
#endif

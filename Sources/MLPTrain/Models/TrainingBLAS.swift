import CKernels

/// The OpenBLAS thread count of MLPTrain's fits. OpenBLAS splits a product differently for each
/// thread count, so the same fit on 1 and on 2 threads gives different bits (seen on digits:
/// different model digests). A fit must give the same bits for the same data and seed on every
/// machine, so fits run their BLAS calls on one thread; their matrices (minibatches, a few
/// classes) are small enough that one thread is also the fast choice.
enum TrainingBLAS {
    /// Makes OpenBLAS use one thread (a process-wide setting; MLPTensor's thread pools set their own).
    static func useOneThread() { ck_blas_set_threads(1) }

    /// Sets OpenBLAS's thread count (for tests that check a fit does not depend on it).
    static func setThreads(_ count: Int) { ck_blas_set_threads(Int32(count)) }

    /// OpenBLAS's current thread count.
    static var threads: Int { Int(ck_blas_threads()) }
}

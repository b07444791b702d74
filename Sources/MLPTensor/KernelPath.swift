import CKernels

/// Which code the C kernels run: AVX2/FMA intrinsics or portable C.
///
/// The default is the fastest path the CPU supports; setting the environment variable
/// `MLP_KERNELS=scalar` before the first kernel call forces the portable path, and
/// ``select(_:)`` switches at run time (tests use it to check both paths).
public enum KernelPath: Int32, Sendable, CaseIterable {
    /// Portable C, any CPU.
    case scalar = 0
    /// AVX2 + FMA + F16C (x86-64).
    case avx2 = 1

    /// The path the kernels take now.
    public static var current: KernelPath { KernelPath(rawValue: ck_kernel_path()) ?? .scalar }

    /// True when this CPU can run the AVX2 path.
    public static var avx2Supported: Bool {
        let need = UInt32(CK_CPU_AVX2 | CK_CPU_FMA | CK_CPU_F16C)
        return ck_cpu_features() & need == need
    }

    /// Makes the kernels take `path` from now on (process-wide) and returns the path taken,
    /// which is `.scalar` when `.avx2` is asked for on a CPU without it.
    @discardableResult
    public static func select(_ path: KernelPath) -> KernelPath {
        KernelPath(rawValue: ck_select_kernel_path(path.rawValue)) ?? .scalar
    }
}

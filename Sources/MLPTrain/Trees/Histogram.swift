/// The gradient and hessian sums and the row count of one bin of one feature in one node.
struct HistogramBin {
    var gradient: Double
    var hessian: Double
    var count: Int
}

/// Gradient/hessian totals of a node.
struct NodeSums {
    var gradient: Double
    var hessian: Double
    var count: Int
}

/// Histogram buffers, one slot per node whose histogram is kept (`features × 256` bins each),
/// reused from tree to tree.
final class HistogramPool {
    let stride: Int
    private var slots: [UnsafeMutablePointer<HistogramBin>] = []
    private var free: [Int] = []

    init(features: Int) { stride = features * BinnedFeatures.binCount }

    deinit { for slot in slots { slot.deallocate() } }

    /// A slot for a new histogram (its content is whatever was there).
    func take() -> Int {
        if let slot = free.popLast() { return slot }
        slots.append(.allocate(capacity: stride))
        return slots.count - 1
    }

    /// Gives a slot back.
    func give(_ slot: Int) { free.append(slot) }

    /// The histogram of `feature` in `slot`: 256 bins.
    @inline(__always)
    func bins(_ slot: Int, feature: Int) -> UnsafeMutablePointer<HistogramBin> { slots[slot] + feature * BinnedFeatures.binCount }

    /// The start of a slot.
    func base(_ slot: Int) -> UnsafeMutablePointer<HistogramBin> { slots[slot] }
}

/// The kernels that fill a histogram. Each feature's histogram is summed by one thread in row
/// order, so the sums do not depend on scheduling.
enum HistogramKernels {
    /// Sums the rows `0..<count` of one feature's codes (the root: no row indices).
    @inline(__always)
    static func fillAll(_ bins: UnsafeMutablePointer<HistogramBin>, codes: UnsafePointer<UInt8>, count: Int,
                        gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>?) {
        bins.update(repeating: HistogramBin(gradient: 0, hessian: 0, count: 0), count: BinnedFeatures.binCount)
        if let hessians {
            for i in 0..<count {
                let bin = Int(codes[i])
                bins[bin].gradient += Double(gradients[i])
                bins[bin].hessian += Double(hessians[i])
                bins[bin].count += 1
            }
        } else {
            for i in 0..<count {
                let bin = Int(codes[i])
                bins[bin].gradient += Double(gradients[i])
                bins[bin].count += 1
            }
            constantHessian(bins)
        }
    }

    /// Sums the rows `rows[0..<count]` of one feature's codes; `gradients[i]` (and `hessians[i]`)
    /// belong to `rows[i]` (gathered in node order beforehand).
    @inline(__always)
    static func fill(_ bins: UnsafeMutablePointer<HistogramBin>, codes: UnsafePointer<UInt8>, rows: UnsafePointer<Int32>, count: Int,
                     gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>?) {
        bins.update(repeating: HistogramBin(gradient: 0, hessian: 0, count: 0), count: BinnedFeatures.binCount)
        if let hessians {
            for i in 0..<count {
                let bin = Int(codes[Int(rows[i])])
                bins[bin].gradient += Double(gradients[i])
                bins[bin].hessian += Double(hessians[i])
                bins[bin].count += 1
            }
        } else {
            for i in 0..<count {
                let bin = Int(codes[Int(rows[i])])
                bins[bin].gradient += Double(gradients[i])
                bins[bin].count += 1
            }
            constantHessian(bins)
        }
    }

    /// With a constant unit hessian (squared error) a bin's hessian is its row count.
    @inline(__always)
    static func constantHessian(_ bins: UnsafeMutablePointer<HistogramBin>) {
        for bin in 0..<BinnedFeatures.binCount { bins[bin].hessian = Double(bins[bin].count) }
    }

    /// `parent -= child`: the parent's histogram becomes the sibling's.
    @inline(__always)
    static func subtract(_ child: UnsafePointer<HistogramBin>, from parent: UnsafeMutablePointer<HistogramBin>) {
        for bin in 0..<BinnedFeatures.binCount {
            parent[bin].gradient -= child[bin].gradient
            parent[bin].hessian -= child[bin].hessian
            parent[bin].count -= child[bin].count
        }
    }
}

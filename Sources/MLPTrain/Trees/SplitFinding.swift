/// The best split of a node found so far: rows whose bin is at most `bin` go left, missing values
/// go left when `missingGoesLeft`.
struct SplitCandidate {
    var gain: Double
    var feature: Int
    var bin: Int
    var missingGoesLeft: Bool
    var left: NodeSums

    static let none = SplitCandidate(gain: 0, feature: -1, bin: 0, missingGoesLeft: false, left: NodeSums(gradient: 0, hessian: 0, count: 0))

    var isValid: Bool { feature >= 0 }
}

/// Finds a feature's best split from its histogram, as scikit-learn's `Splitter` does: scan the
/// bins left to right with missing values on the right, then (when the node has missing values)
/// right to left with them on the left; the gain is
/// `G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)`, and each side needs `min_samples_leaf` rows and
/// `min_hessian_to_split` hessian.
enum SplitFinding {
    @inline(__always)
    static func score(_ gradient: Double, _ hessian: Double, _ l2: Double) -> Double { gradient * gradient / (hessian + l2) }

    static func best(feature: Int, bins: UnsafePointer<HistogramBin>, nonMissingBins: Int, total: NodeSums,
                     minSamplesLeaf: Int, l2: Double) -> SplitCandidate {
        var best = SplitCandidate.none
        let minHessian = GBTSettings.minHessianToSplit
        let parent = score(total.gradient, total.hessian, l2)
        let missing = bins[BinnedFeatures.missingBin]
        let hasMissing = missing.count > 0

        var gradientLeft = 0.0, hessianLeft = 0.0, countLeft = 0
        let end = nonMissingBins - 1 + (hasMissing ? 1 : 0)
        if end > 0 {
            for bin in 0..<end {
                gradientLeft += bins[bin].gradient
                hessianLeft += bins[bin].hessian
                countLeft += bins[bin].count
                let countRight = total.count - countLeft
                if countLeft < minSamplesLeaf { continue }
                if countRight < minSamplesLeaf { break }
                let hessianRight = total.hessian - hessianLeft
                if hessianLeft < minHessian { continue }
                if hessianRight < minHessian { break }
                let gain = score(gradientLeft, hessianLeft, l2) + score(total.gradient - gradientLeft, hessianRight, l2) - parent
                if gain > best.gain {
                    best = SplitCandidate(gain: gain, feature: feature, bin: bin, missingGoesLeft: false,
                                          left: NodeSums(gradient: gradientLeft, hessian: hessianLeft, count: countLeft))
                }
            }
        }
        guard hasMissing, nonMissingBins >= 2 else { return best }
        var gradientRight = 0.0, hessianRight = 0.0, countRight = 0
        for bin in stride(from: nonMissingBins - 2, through: 0, by: -1) {
            gradientRight += bins[bin + 1].gradient
            hessianRight += bins[bin + 1].hessian
            countRight += bins[bin + 1].count
            let countLeft = total.count - countRight
            if countRight < minSamplesLeaf { continue }
            if countLeft < minSamplesLeaf { break }
            let hessianLeft = total.hessian - hessianRight
            if hessianRight < minHessian { continue }
            if hessianLeft < minHessian { break }
            let gradientLeft = total.gradient - gradientRight
            let gain = score(gradientLeft, hessianLeft, l2) + score(gradientRight, hessianRight, l2) - parent
            if gain > best.gain {
                best = SplitCandidate(gain: gain, feature: feature, bin: bin, missingGoesLeft: true,
                                      left: NodeSums(gradient: gradientLeft, hessian: hessianLeft, count: countLeft))
            }
        }
        return best
    }
}

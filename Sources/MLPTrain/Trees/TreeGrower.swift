import Foundation

/// A tree as grown: its nodes (as stored), the bin each split node tests (for predicting binned
/// rows), and each leaf's range of the grower's row partition.
struct GrownTree {
    var nodes: [TreeNode]
    var splitBins: [UInt8]
    var leaves: [(start: Int, end: Int, node: Int)]

    /// Adds the tree's leaf values to the raw scores of binned rows (column-major codes).
    func addPredictions(_ data: BinnedFeatures, to raw: UnsafeMutablePointer<Double>) {
        let rows = data.rows, codes = data.codes.baseAddress!
        nodes.withUnsafeBufferPointer { nodes in
            splitBins.withUnsafeBufferPointer { bins in
                for row in 0..<rows {
                    var index = 0
                    while nodes[index].left >= 0 {
                        let code = codes[nodes[index].feature * rows + row]
                        let goesLeft = Int(code) == BinnedFeatures.missingBin ? nodes[index].missingGoesLeft : code <= bins[index]
                        index = goesLeft ? nodes[index].left : nodes[index].right
                    }
                    raw[row] += nodes[index].value
                }
            }
        }
    }
}

/// Grows one regression tree on gradients and hessians, leaf-wise (best gain first) as
/// LightGBM and scikit-learn's `TreeGrower` do.
///
/// Each node owns a contiguous range of a row-index partition; splitting a node partitions its
/// range stably (row indices stay ascending, so code reads walk memory forward). Only the
/// smaller child's histogram is summed; the larger child's is the parent's minus it. Histogram
/// sums and split search run in parallel over features, each feature on one thread, so results
/// are the same whatever the scheduling. Buffers live as long as the grower and serve every tree.
final class TreeGrower {
    let data: BinnedFeatures
    let binning: FeatureBinning
    let nonMissingBins: [Int]
    let settings: GBTSettings
    let pool: HistogramPool
    let partition: UnsafeMutableBufferPointer<Int32>
    let scratch: UnsafeMutableBufferPointer<Int32>
    let orderedGradients: UnsafeMutableBufferPointer<Float>
    let orderedHessians: UnsafeMutableBufferPointer<Float>
    /// Per-feature best splits: the first `features` for one node, the next for its sibling.
    let candidates: UnsafeMutableBufferPointer<SplitCandidate>

    /// A node that may still be split.
    struct OpenNode {
        var index: Int
        var start: Int
        var end: Int
        var depth: Int
        var sums: NodeSums
        var slot: Int
        var split: SplitCandidate
    }

    init(data: BinnedFeatures, binning: FeatureBinning, settings: GBTSettings) {
        self.data = data
        self.binning = binning
        nonMissingBins = binning.nonMissingBins
        self.settings = settings
        pool = HistogramPool(features: data.features)
        let rows = max(1, data.rows)
        partition = .allocate(capacity: rows)
        scratch = .allocate(capacity: rows)
        orderedGradients = .allocate(capacity: rows)
        orderedHessians = .allocate(capacity: rows)
        candidates = .allocate(capacity: 2 * max(1, data.features))
    }

    deinit {
        partition.deallocate()
        scratch.deallocate()
        orderedGradients.deallocate()
        orderedHessians.deallocate()
        candidates.deallocate()
    }

    /// Runs `body` for every feature: in parallel for a node of at least ``parallelWork`` row ×
    /// feature cells, in a plain loop below it. Each feature's work is independent, so the
    /// results are the same either way; a small node skips the fork and join, which on a busy
    /// machine waits for every worker thread to get a core.
    @inline(__always)
    private func forEachFeature(rows: Int, _ body: (Int) -> Void) {
        let features = data.features
        if rows * features >= Self.parallelWork {
            DispatchQueue.concurrentPerform(iterations: features, execute: body)
        } else {
            for feature in 0..<features { body(feature) }
        }
    }

    /// The least work (rows × features) summed in parallel.
    static let parallelWork = 1 << 16

    /// Whether a node with these sums at this depth may be split at all.
    func canSplit(_ sums: NodeSums, depth: Int) -> Bool {
        sums.count >= 2 * settings.minSamplesLeaf && sums.hessian >= 2 * GBTSettings.minHessianToSplit
            && depth < (settings.maxDepth ?? Int.max)
    }

    /// The leaf value: the Newton step `−G / (H + λ)`, shrunk by the learning rate.
    func leafValue(_ sums: NodeSums) -> Double {
        -settings.learningRate * sums.gradient / (sums.hessian + settings.l2Regularization + 1e-15)
    }

    /// The best of the per-feature candidates `candidates[offset..<offset+features]` (the lowest feature wins a tie).
    func bestCandidate(offset: Int) -> SplitCandidate {
        var best = SplitCandidate.none
        for feature in 0..<data.features where candidates[offset + feature].gain > best.gain { best = candidates[offset + feature] }
        return best
    }

    /// Grows a tree on per-row gradients (and hessians; `nil` means a constant 1, as for squared error).
    func grow(gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>?) -> GrownTree {
        let rows = data.rows, features = data.features
        var total = NodeSums(gradient: 0, hessian: 0, count: rows)
        for row in 0..<rows {
            partition[row] = Int32(row)
            total.gradient += Double(gradients[row])
        }
        if let hessians { for row in 0..<rows { total.hessian += Double(hessians[row]) } } else { total.hessian = Double(rows) }

        var tree = GrownTree(nodes: [.leaf(0)], splitBins: [0], leaves: [])
        func finalize(_ index: Int, _ start: Int, _ end: Int, _ sums: NodeSums) {
            tree.nodes[index].value = leafValue(sums)
            tree.leaves.append((start, end, index))
        }
        let maxLeaves = settings.maxLeafNodes ?? Int.max
        var open: [OpenNode] = []
        if canSplit(total, depth: 0) {
            let slot = pool.take()
            let histogram = pool.base(slot), codes = data.codes.baseAddress!, candidates = self.candidates
            let nonMissingBins = self.nonMissingBins, minSamplesLeaf = settings.minSamplesLeaf, l2 = settings.l2Regularization
            forEachFeature(rows: rows) { feature in
                let bins = histogram + feature * BinnedFeatures.binCount
                HistogramKernels.fillAll(bins, codes: codes + feature * rows, count: rows, gradients: gradients, hessians: hessians)
                candidates[feature] = SplitFinding.best(feature: feature, bins: bins, nonMissingBins: nonMissingBins[feature], total: total,
                                                        minSamplesLeaf: minSamplesLeaf, l2: l2)
            }
            let split = bestCandidate(offset: 0)
            if split.isValid {
                open.append(OpenNode(index: 0, start: 0, end: rows, depth: 0, sums: total, slot: slot, split: split))
            } else {
                pool.give(slot)
                finalize(0, 0, rows, total)
            }
        } else {
            finalize(0, 0, rows, total)
        }

        var leafCount = 1
        while !open.isEmpty, leafCount < maxLeaves {
            var chosen = 0
            for i in open.indices.dropFirst() where open[i].split.gain > open[chosen].split.gain { chosen = i }
            let node = open.remove(at: chosen)
            leafCount += 1
            for child in split(node, gradients: gradients, hessians: hessians, into: &tree, mayGrow: leafCount < maxLeaves) {
                if let child { open.append(child) }
            }
        }
        for node in open {
            pool.give(node.slot)
            finalize(node.index, node.start, node.end, node.sums)
        }
        tree.leaves.sort { $0.start < $1.start }
        return tree
    }

    /// Splits `node`: partitions its rows, records the split, and returns its children that may be
    /// split further (with their best split), finalizing the others as leaves.
    private func split(_ node: OpenNode, gradients: UnsafePointer<Float>, hessians: UnsafePointer<Float>?,
                       into tree: inout GrownTree, mayGrow: Bool) -> [OpenNode?] {
        let split = node.split, rows = data.rows, features = data.features
        let codes = data.column(split.feature)
        let bin = UInt8(split.bin)
        let nodeHasMissing = pool.bins(node.slot, feature: split.feature)[BinnedFeatures.missingBin].count > 0
        var leftCount = 0, rightCount = 0
        for i in node.start..<node.end {
            let row = partition[i]
            let code = codes[Int(row)]
            let goesLeft = Int(code) == BinnedFeatures.missingBin ? split.missingGoesLeft : code <= bin
            if goesLeft {
                partition[node.start + leftCount] = row
                leftCount += 1
            } else {
                scratch[rightCount] = row
                rightCount += 1
            }
        }
        (partition.baseAddress! + node.start + leftCount).update(from: scratch.baseAddress!, count: rightCount)
        assert(leftCount == split.left.count, "partition disagrees with the histogram")

        let leftSums = split.left
        let rightSums = NodeSums(gradient: node.sums.gradient - leftSums.gradient, hessian: node.sums.hessian - leftSums.hessian,
                                 count: node.sums.count - leftSums.count)
        let leftIndex = tree.nodes.count, rightIndex = leftIndex + 1
        let cuts = binning.thresholds[split.feature]
        tree.nodes[node.index] = TreeNode(
            feature: split.feature, threshold: split.bin < cuts.count ? cuts[split.bin] : .infinity,
            left: leftIndex, right: rightIndex,
            // With no missing value in this node, missing values follow the majority (as scikit-learn does).
            missingGoesLeft: nodeHasMissing ? split.missingGoesLeft : leftCount > rightCount, value: 0)
        tree.splitBins[node.index] = bin
        tree.nodes += [.leaf(0), .leaf(0)]
        tree.splitBins += [0, 0]

        let left = OpenNode(index: leftIndex, start: node.start, end: node.start + leftCount, depth: node.depth + 1,
                            sums: leftSums, slot: -1, split: .none)
        let right = OpenNode(index: rightIndex, start: node.start + leftCount, end: node.end, depth: node.depth + 1,
                             sums: rightSums, slot: -1, split: .none)
        let leftGrows = mayGrow && canSplit(leftSums, depth: left.depth)
        let rightGrows = mayGrow && canSplit(rightSums, depth: right.depth)
        guard leftGrows || rightGrows else {
            pool.give(node.slot)
            for child in [left, right] {
                tree.nodes[child.index].value = leafValue(child.sums)
                tree.leaves.append((child.start, child.end, child.index))
            }
            return []
        }

        // Sum the smaller child; the larger one's histogram is the parent's minus it, in place.
        let smallIsLeft = leftCount <= rightCount
        let small = smallIsLeft ? left : right, large = smallIsLeft ? right : left
        let smallGrows = smallIsLeft ? leftGrows : rightGrows, largeGrows = smallIsLeft ? rightGrows : leftGrows
        let count = small.end - small.start
        let ordered = orderedGradients.baseAddress!, orderedH = orderedHessians.baseAddress!
        for i in 0..<count { ordered[i] = gradients[Int(partition[small.start + i])] }
        if let hessians { for i in 0..<count { orderedH[i] = hessians[Int(partition[small.start + i])] } }
        let smallSlot = pool.take()
        let smallBase = pool.base(smallSlot), parentBase = pool.base(node.slot)
        let allCodes = data.codes.baseAddress!, smallRows = UnsafePointer(partition.baseAddress! + small.start)
        let candidates = self.candidates, nonMissingBins = self.nonMissingBins
        let minSamplesLeaf = settings.minSamplesLeaf, l2 = settings.l2Regularization
        let smallSums = small.sums, largeSums = large.sums
        let orderedHessiansOrNil: UnsafePointer<Float>? = hessians == nil ? nil : UnsafePointer(orderedH)
        forEachFeature(rows: count) { feature in
            let smallBins = smallBase + feature * BinnedFeatures.binCount
            HistogramKernels.fill(smallBins, codes: allCodes + feature * rows, rows: smallRows, count: count,
                                  gradients: ordered, hessians: orderedHessiansOrNil)
            candidates[feature] = smallGrows
                ? SplitFinding.best(feature: feature, bins: smallBins, nonMissingBins: nonMissingBins[feature], total: smallSums,
                                    minSamplesLeaf: minSamplesLeaf, l2: l2)
                : .none
            if largeGrows {
                let largeBins = parentBase + feature * BinnedFeatures.binCount
                HistogramKernels.subtract(smallBins, from: largeBins)
                candidates[features + feature] = SplitFinding.best(feature: feature, bins: largeBins, nonMissingBins: nonMissingBins[feature],
                                                                   total: largeSums, minSamplesLeaf: minSamplesLeaf, l2: l2)
            } else {
                candidates[features + feature] = .none
            }
        }
        var children: [OpenNode?] = []
        for (grown, slot, offset) in [(small, smallSlot, 0), (large, node.slot, features)] {
            var child = grown
            child.split = bestCandidate(offset: offset)
            if child.split.isValid {
                child.slot = slot
                children.append(child)
            } else {
                pool.give(slot)
                tree.nodes[child.index].value = leafValue(child.sums)
                tree.leaves.append((child.start, child.end, child.index))
            }
        }
        return children
    }

    /// Adds the leaf values of `tree` (just grown) to the raw scores of the training rows.
    func addLeafValues(_ tree: GrownTree, to raw: UnsafeMutablePointer<Double>) {
        for leaf in tree.leaves {
            let value = tree.nodes[leaf.node].value
            for i in leaf.start..<leaf.end { raw[Int(partition[i])] += value }
        }
    }
}

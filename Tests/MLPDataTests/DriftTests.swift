import Foundation
import Testing
import MLPCore
@testable import MLPData

@Suite struct DriftTests {
    // Reference values from SciPy 1.17: ks_2samp(a, b).statistic, and kstwobign.sf(λ) for the
    // small-sample-corrected λ = (√(nm/(n+m)) + 0.12 + 0.11/√(nm/(n+m))) · D this test uses.
    @Test func kolmogorovSmirnovMatchesSciPy() {
        let a = [0.1, 0.5, 0.9, 1.3, 2.0, 2.2, 3.1, 3.3, 4.0, 5.5]
        let b = [0.4, 1.1, 1.9, 2.5, 2.6, 3.8, 4.4, 5.1, 6.0, 6.2, 7.7, 8.0]
        let result = DriftStatistics.kolmogorovSmirnov(a, b)
        #expect(abs(result.statistic - 0.4) < 1e-12)
        #expect(abs(result.pValue - 0.2688882162968653) < 1e-9)

        // Ties across the samples count once.
        let tied = DriftStatistics.kolmogorovSmirnov([1, 1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5, 6])
        #expect(abs(tied.statistic - 0.5416666666666667) < 1e-12)
        #expect(abs(tied.pValue - 0.10764819191253196) < 1e-9)

        #expect(abs(DriftStatistics.kolmogorovTail(0.5) - 0.9639452436648751) < 1e-9)
        #expect(abs(DriftStatistics.kolmogorovTail(1.36) - 0.049485876755377876) < 1e-9)
        #expect(DriftStatistics.kolmogorovSmirnov(a, a) == KolmogorovSmirnovResult(statistic: 0, pValue: 1))
        #expect(DriftStatistics.kolmogorovSmirnov([], a).pValue == 1)
    }

    @Test func psiIsZeroForTheSameSampleAndGrowsWithTheShift() {
        var random = SplitMix64(seed: 3)
        let reference = (0..<5000).map { _ in random.gaussian() }
        #expect(DriftStatistics.psi(reference: reference, current: reference) < 1e-12)
        let small = DriftStatistics.psi(reference: reference, current: reference.map { $0 + 0.1 })
        let large = DriftStatistics.psi(reference: reference, current: reference.map { $0 + 1.0 })
        #expect(small > 0 && small < 0.1, "psi \(small)")
        #expect(large > 0.5, "psi \(large)")
        // A value beyond every reference value lands in the last bin, not outside.
        #expect(DriftStatistics.psi(reference: reference, current: [1e9, -1e9, .nan]) > 1)
        // Categories: one unseen category on the current side is a big shift; the same mix is none.
        #expect(DriftStatistics.psi(referenceCounts: ["a": 50, "b": 50], currentCounts: ["a": 5, "b": 5]) < 1e-12)
        #expect(DriftStatistics.psi(referenceCounts: ["a": 50, "b": 50], currentCounts: ["a": 20, "b": 20, "c": 60]) > 0.5)
    }

    func dataset(rows: Int, seed: UInt64, shift: Double = 0, mix: [String] = ["red", "green", "blue"]) throws -> Dataset {
        var random = SplitMix64(seed: seed)
        var columns: [Column] = []
        for feature in 0..<8 {
            columns.append(.float("x\(feature)", (0..<rows).map { _ in random.gaussian() + (feature == 2 ? shift : 0) }))
        }
        columns.append(.int("count", (0..<rows).map { _ in Int64(random.below(10)) }))
        columns.append(.string("colour", (0..<rows).map { _ in mix[random.below(mix.count)] }))
        return try Dataset(columns: columns)
    }

    @Test func aFreshSampleOfTheSameDistributionIsNotFlaggedButAShiftedOneIs() throws {
        let training = try dataset(rows: 6_000, seed: 1)
        for seed in 2...4 as ClosedRange<UInt64> {
            let fresh = try DriftReport.compare(reference: training, current: try dataset(rows: 2_000, seed: seed))
            #expect(fresh.drifted.isEmpty, "seed \(seed): \(fresh.features.filter(\.drifted).map { "\($0.name): \($0.reasons)" })")
        }
        let shifted = try DriftReport.compare(reference: training, current: try dataset(rows: 2_000, seed: 7, shift: 0.5))
        #expect(shifted.drifted == ["x2"])
        #expect(shifted.features.first { $0.name == "x2" }!.reasons.count == 2, "both PSI and KS see a 0.5 sd shift")
        let recoloured = try DriftReport.compare(reference: training, current: try dataset(rows: 2_000, seed: 8, mix: ["red", "red", "red", "blue"]))
        #expect(recoloured.drifted == ["colour"])
        #expect(recoloured.features.first { $0.name == "colour" }!.kind == "categorical")
    }

    @Test func missingOrRetypedColumnsAreNamed() throws {
        let training = try dataset(rows: 100, seed: 1)
        let other = try Dataset(columns: [.string("x0", ["a", "b"])])
        #expect(throws: DatasetError.self) { try DriftReport.compare(reference: training, current: other) }
        do {
            _ = try DriftReport.compare(reference: training, current: other)
        } catch {
            #expect("\(error)".contains("'x0'") && "\(error)".contains("float"))
        }
        do {
            _ = try DriftReport.compare(reference: training, current: training, columns: ["nope"])
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("'nope' is not in the reference"))
        }
    }
}

extension SplitMix64 {
    /// A standard normal draw (Box–Muller).
    mutating func gaussian() -> Double {
        let u = (Double(next() >> 11) + 0.5) / 9007199254740992.0
        let v = Double(next() >> 11) / 9007199254740992.0
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

import MLPData
import Testing
@testable import MLPCLI

/// `mlp drift`'s small parsers: --since durations and which logged columns are answers, not inputs.
@Suite struct DriftInputsTests {
    @Test func durationsReadWithTheirUnits() {
        #expect(DriftInputs.seconds("90s") == 90 && DriftInputs.seconds("30m") == 1800)
        #expect(DriftInputs.seconds("2h") == 7200 && DriftInputs.seconds("7d") == 604_800 && DriftInputs.seconds("1.5h") == 5400)
        #expect(DriftInputs.seconds("45") == 45)
        for bad in ["", "h", "5x", "-1m", "0s", "nanm", "infh"] { #expect(DriftInputs.seconds(bad) == nil, "\(bad)") }
    }

    @Test func answerColumnsAreNotComparedAsInputs() {
        #expect(["time", "version", "label", "prediction", "probability_yes"].allSatisfy(DriftInputs.isAnswerColumn))
        #expect(!["tenure", "text", "labels", "probabilityish"].contains(where: DriftInputs.isAnswerColumn))
    }

    @Test func freeTextAndMismatchedKindsAreLeftOut() {
        typealias Drift = MLPCommandLine.Drift
        let colours = Column.string("colour", (0..<300).map { ["red", "green", "blue"][$0 % 3] })
        #expect(Drift.reasonToSkip(colours, colours) == nil)
        #expect(Drift.reasonToSkip(Column.float("x", [1, 2]), Column.int("x", [1, 2])) == nil)
        #expect(Drift.reasonToSkip(Column.float("x", [1, 2]), Column.string("x", ["a", "b"])) == "float in the reference but string in the log")
        let sentences = Column.string("text", (0..<300).map { "sentence \($0)" })
        #expect(Drift.reasonToSkip(sentences, sentences) == "free text (300 distinct values in 300 reference rows)")
        // Few rows with all-distinct values are still categories.
        let few = Column.string("code", (0..<40).map { "c\($0)" })
        #expect(Drift.reasonToSkip(few, few) == nil)
    }
}

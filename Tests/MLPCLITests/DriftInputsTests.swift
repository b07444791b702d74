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
}

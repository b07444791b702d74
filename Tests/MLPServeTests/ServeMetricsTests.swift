import Foundation
import Testing
@testable import MLPServe

@Suite struct ServeMetricsTests {
    @Test func aHistogramCountsEachValueInTheFirstBucketThatHoldsItAndRendersCumulatively() {
        let histogram = ServeHistogram(name: "h", labels: [("model", "m"), ("version", "1")], bounds: [4, 1, 2], divisor: 1)
        for value: Int64 in [1, 1, 2, 3, 4, 5, 1000, -7] { histogram.record(value) }
        #expect(histogram.count == 8)
        var buffer: [UInt8] = []
        histogram.emit(into: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == """
            h_bucket{model="m",version="1",le="1.0"} 3
            h_bucket{model="m",version="1",le="2.0"} 4
            h_bucket{model="m",version="1",le="4.0"} 6
            h_bucket{model="m",version="1",le="+Inf"} 8
            h_sum{model="m",version="1"} 1016.0
            h_count{model="m",version="1"} 8

            """)
    }

    @Test func aHistogramDividesNanosecondsToSecondsAndEscapesLabelValues() {
        let histogram = ServeHistogram(name: "t", labels: [("model", #"a"b\c"#)], bounds: [250_000, 1_000_000_000], divisor: 1e9)
        histogram.record(100_000)
        histogram.record(2_000_000_000)
        var buffer: [UInt8] = []
        histogram.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"t_bucket{model="a\"b\\c",le="0.00025"} 1"#))
        #expect(text.contains(#"t_bucket{model="a\"b\\c",le="1.0"} 1"#))
        #expect(text.contains(#"t_sum{model="a\"b\\c"} 2.0001"#))
    }

    @Test func concurrentRecordsAreAllCounted() async {
        let histogram = ServeHistogram(name: "c", labels: [], bounds: [10], divisor: 1)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask { for index in 0..<10_000 { histogram.record(Int64((index + task) % 20)) } }
            }
        }
        #expect(histogram.count == 40_000)
        var buffer: [UInt8] = []
        histogram.emit(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#"c_bucket{le="10.0"} 22000"#) && text.contains("c_count 40000") && text.contains("c_sum 380000.0"))
    }

    @Test func theExpositionGroupsEachHistogramFamilyUnderOneTypeLine() {
        let metrics = ServeMetrics()
        metrics.recordRequest(model: "a", version: "1", seconds: 0.002, errorStatus: nil)
        metrics.recordRequest(model: "b", version: "2", seconds: 0.2, errorStatus: 500)
        metrics.recordBatch(model: "a", version: "1", rows: 3, seconds: 0.001)
        let lines = String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").map(String.init)
        for family in ["mlp_inference_request_duration_seconds", "mlp_batch_size", "mlp_forward_duration_seconds"] {
            let type = lines.firstIndex(of: "# TYPE \(family) histogram")
            #expect(type != nil && lines.filter { $0 == "# TYPE \(family) histogram" }.count == 1)
            // Every series of the family follows its TYPE line with no other family in between.
            let series = lines.indices.filter { lines[$0].hasPrefix(family + "_") }
            #expect(series.count == 2 * (family == "mlp_batch_size" ? 14 : 18))
            #expect(series.first == (type ?? -1) + 1 && series.last == series.first! + series.count - 1)
        }
        #expect(lines.contains(#"mlp_inference_request_duration_seconds_bucket{model="a",version="1",le="0.0025"} 1"#))
        #expect(lines.contains(#"mlp_inference_request_duration_seconds_bucket{model="b",version="2",le="0.1"} 0"#))
        #expect(lines.contains(#"mlp_batch_size_bucket{model="a",version="1",le="4.0"} 1"#))
        #expect(lines.contains(#"mlp_batch_size_sum{model="a",version="1"} 3.0"#))
        #expect(lines.contains(#"mlp_inference_errors_total{model="b",version="2",status="500"} 1"#))
    }

    @Test func everyDatatypeNameMapsBackToItsCaseAndNothingElseDoes() {
        for type in TensorDatatype.allCases { #expect(TensorDatatype(rawValue: type.rawValue) == type) }
        for name in ["", "fp32", "FP", "FP640", "BYTES ", "STRING", "UINT", "INT128"] { #expect(TensorDatatype(rawValue: name) == nil) }
    }
}

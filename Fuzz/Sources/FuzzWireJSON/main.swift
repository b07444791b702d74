// libFuzzer target: a store wire body (a group commit, a created run, an answer of steps or of
// committed changes; the first byte picks which), read by WireJSON's strict reader as `mlp server`
// and RemoteStore read it. Differential: whatever the fast reader accepts, Foundation's
// JSONDecoder must read to the same value (compared as StoreAPI.encoder's canonical bytes), and
// the hand-written writer must write that value byte for byte as StoreAPI.encoder does. A body
// the fast reader refuses is Foundation's to answer; only a crash, a sanitizer report, a
// disagreement with Foundation or a hang is a finding.
import Foundation
import MLPStore
import LibFuzzerMain

func check<T: Codable>(_ type: T.Type, _ body: Data) {
    guard let fast = WireJSON.decode(type, from: body) else { return }
    let text = String(decoding: body, as: UTF8.self)
    let foundation: T
    do {
        foundation = try StoreAPI.decoder.decode(type, from: body)
    } catch {
        fatalError("WireJSON read a \(type) that Foundation refuses (\(error)): \(text)")
    }
    let encoder = StoreAPI.encoder
    guard let fastCanonical = try? encoder.encode(fast), let foundationCanonical = try? encoder.encode(foundation) else {
        fatalError("a \(type) read from a body does not encode again: \(text)")
    }
    precondition(fastCanonical == foundationCanonical, "WireJSON and Foundation read different values of \(type) from: \(text)")
    if let written = WireJSON.encode(fast) {
        precondition(written == fastCanonical, "WireJSON wrote a \(type) otherwise than StoreAPI.encoder: \(text)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Data(UnsafeBufferPointer(start: data + 1, count: size - 1))
    switch data[0] & 3 {
    case 0: check(CommitRequest.self, body)
    case 1: check([StepRecord].self, body)
    case 2: check([CommittedChange].self, body)
    default: check(CreateRunRequest.self, body)
    }
    return 0
}

/// The program's entry point: SwiftPM links `main` to `FuzzWireJSON_main` on Linux, so libFuzzer's
/// driver is started from here (where libFuzzer's own `main` is linked instead, this is unused).
@_cdecl("FuzzWireJSON_main")
public func fuzzerMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    mlp_libfuzzer_main(argc, argv)
}

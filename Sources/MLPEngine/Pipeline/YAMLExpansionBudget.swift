import CYaml

/// Measures how large a YAML document becomes once every alias is expanded, from libyaml's event
/// stream, before anything builds a tree of it.
///
/// Composing a document whose aliases multiply (nine levels of nine aliases name 9^9 nodes) is
/// cheap, but anything that then walks the tree — and Yams hashes a mapping's keys to find
/// duplicates while composing — does the multiplied work. Counting events costs one pass over the
/// text: an anchored node's expanded size is recorded when it ends, and an alias adds that size.
enum YAMLExpansionBudget {
    /// Where the expanded document first passed `limit` nodes (1-based line and column).
    struct Overflow: Equatable {
        let line: Int
        let column: Int
    }

    /// The first place the expanded document passes `limit` nodes, or nil when it fits (or when the
    /// text is not YAML libyaml can read: the composer then reports that error with its place).
    static func firstOverflow(in text: String, limit: Int) -> Overflow? {
        var bytes = Array(text.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> Overflow? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // One frame per open sequence or mapping: its anchor and its expanded size so far.
            var frames: [(anchor: String?, size: Int)] = []
            var anchored: [String: Int] = [:]
            var total = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                defer { yaml_event_delete(&event) }
                let mark = Overflow(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                var finished: (anchor: String?, size: Int)?
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    finished = (name(event.data.scalar.anchor), 1)
                case YAML_ALIAS_EVENT:
                    finished = (nil, name(event.data.alias.anchor).flatMap { anchored[$0] } ?? 1)
                case YAML_SEQUENCE_START_EVENT:
                    frames.append((name(event.data.sequence_start.anchor), 1))
                case YAML_MAPPING_START_EVENT:
                    frames.append((name(event.data.mapping_start.anchor), 1))
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    finished = frames.popLast()
                default:
                    break
                }
                guard let node = finished else { continue }
                if let anchor = node.anchor { anchored[anchor] = node.size }
                // Sizes never pass `limit` (the walk stops first), so these sums cannot overflow.
                if frames.isEmpty {
                    total += node.size
                    if total > limit { return mark }
                } else {
                    frames[frames.count - 1].size += node.size
                    if frames[frames.count - 1].size > limit { return mark }
                }
            }
            return nil
        }
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}

import MLPCore

/// Reads a step's `with:` values with their defaults, and says which input is wrong and why when
/// one has the wrong type or range.
struct TrainerSettings {
    let kind: String
    let config: [String: PortValue]

    init(_ kind: String, _ config: [String: PortValue]) {
        self.kind = kind
        self.config = config
    }

    func string(_ name: String) throws -> String? {
        switch config[name] {
        case nil: return nil
        case .string(let value)?: return value
        case let other?: throw TrainingError(message: "\(kind): '\(name)' must be text, not \(other.json.canonicalText)")
        }
    }

    func double(_ name: String, default fallback: Double, range: ClosedRange<Double>? = nil, exclusiveLower: Bool = false) throws -> Double {
        let value: Double
        switch config[name] {
        case nil: return fallback
        case .float(let given)?: value = given
        case .int(let given)?: value = Double(given)
        case let other?: throw TrainingError(message: "\(kind): '\(name)' must be a number, not \(other.json.canonicalText)")
        }
        if let range {
            let below = exclusiveLower ? value <= range.lowerBound : value < range.lowerBound
            guard value.isFinite, !below, value <= range.upperBound else {
                let lower = exclusiveLower ? "above \(range.lowerBound)" : "at least \(range.lowerBound)"
                let upper = range.upperBound.isFinite ? " and at most \(range.upperBound)" : ""
                throw TrainingError(message: "\(kind): '\(name)' must be \(lower)\(upper), not \(value)")
            }
        }
        return value
    }

    func int(_ name: String, default fallback: Int, minimum: Int) throws -> Int {
        let value: Int
        switch config[name] {
        case nil: return fallback
        case .int(let given)?: value = given
        case .float(let given)? where given == given.rounded() && abs(given) < 1e15: value = Int(given)
        case let other?: throw TrainingError(message: "\(kind): '\(name)' must be a whole number, not \(other.json.canonicalText)")
        }
        guard value >= minimum else { throw TrainingError(message: "\(kind): '\(name)' must be at least \(minimum), not \(value)") }
        return value
    }

    func bool(_ name: String, default fallback: Bool) throws -> Bool {
        switch config[name] {
        case nil: return fallback
        case .bool(let value)?: return value
        case let other?: throw TrainingError(message: "\(kind): '\(name)' must be true or false, not \(other.json.canonicalText)")
        }
    }

    /// A list of positive whole numbers (`hidden: [64, 32]`); a single number is a list of one.
    func sizes(_ name: String, default fallback: [Int]) throws -> [Int] {
        let items: [JSONValue]
        switch config[name] {
        case nil: return fallback
        case .int(let one)?: items = [.number(Double(one))]
        case .json(.array(let given))?: items = given
        case let other?: throw TrainingError(message: "\(kind): '\(name)' must be a list of layer sizes like [64, 32], not \(other.json.canonicalText)")
        }
        return try items.map { item in
            guard let number = item.doubleValue, number == number.rounded(), number >= 1, number <= 1_000_000 else {
                throw TrainingError(message: "\(kind): '\(name)' must hold whole numbers from 1 to 1000000, not \(item.canonicalText)")
            }
            return Int(number)
        }
    }

    /// The `features` input: the column names to use, or nil for every column but the target.
    func features() throws -> [String]? {
        switch config["features"] {
        case nil: return nil
        case .json(.array(let names))?:
            return try names.map { name in
                guard let text = name.stringValue else { throw TrainingError(message: "\(kind): 'features' must list column names, not \(name.canonicalText)") }
                return text
            }
        case let other?: throw TrainingError(message: "\(kind): 'features' must be a list of column names, not \(other.json.canonicalText)")
        }
    }
}

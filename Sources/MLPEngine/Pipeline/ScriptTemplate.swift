import MLPCore

/// A `${{ }}` template inside program text (a shell `run:`, Python `code:`), split so that every
/// value reaches the program as data: each reference becomes an environment variable and the
/// text only names it — `echo ${{ params.p }}` runs as `echo "${MLP_REF_PARAMS_P}"` with
/// `MLP_REF_PARAMS_P` set to the value — so no value can add code, whatever it holds (as GitHub
/// Actions recommends for `run:`).
///
/// Where a reference stands decides how the variable is named: unquoted shell gets `"${V}"` (one
/// word, no splitting or globbing), inside double quotes or a here-document `${V}`, in Python code
/// an expression reading `os.environ`. Inside single quotes, a quoted here-document or a Python
/// string literal a variable cannot expand: the checker refuses those (``literalSlots``).
public struct ScriptTemplate: Sendable {
    /// Where in the program text a reference stands.
    public enum Context: Sendable, Hashable {
        /// Code: an unquoted shell word, a Python expression.
        case code
        /// Inside shell double quotes or an unquoted here-document: `$V` expands there.
        case expanding
        /// Inside shell single quotes, a quoted here-document or a Python string: nothing expands.
        case literal
        /// A comment.
        case comment
    }

    /// One reference and where it stands.
    public struct Slot: Sendable, Hashable {
        public var reference: Reference
        public var context: Context
        /// The environment variable that carries its value.
        public var variable: String
    }

    enum Piece: Sendable {
        case text(String)
        case slot(Int)
    }

    public let language: ScriptLanguage
    public private(set) var slots: [Slot] = []
    let pieces: [Piece]

    /// The template of a program-text value, or nil when it holds no reference (plain text runs as written).
    public init?(_ value: ValueExpr, language: ScriptLanguage) {
        let parts: [TemplatePart]
        switch value {
        case .reference(let reference): parts = [.reference(reference)]
        case .template(let templateParts): parts = templateParts
        default: return nil
        }
        self.language = language
        var pieces: [Piece] = []
        var elements: [ContextScanner.Element] = []
        var references: [Reference] = []
        for part in parts {
            switch part {
            case .text(let text):
                pieces.append(.text(text))
                elements += text.map { .character($0) }
            case .reference(let reference):
                pieces.append(.slot(references.count))
                elements.append(.slot)
                references.append(reference)
            }
        }
        let contexts = ContextScanner.contexts(of: elements, language: language)
        var variables: [String: String] = [:] // reference text → variable
        var taken = Set<String>()
        for (reference, context) in zip(references, contexts) {
            let variable: String
            if let known = variables[reference.text] {
                variable = known
            } else {
                let base = Self.variableName(for: reference.text)
                var candidate = base
                var counter = 2
                while taken.contains(candidate) { candidate = "\(base)_\(counter)"; counter += 1 }
                taken.insert(candidate)
                variables[reference.text] = candidate
                variable = candidate
            }
            slots.append(Slot(reference: reference, context: context, variable: variable))
        }
        self.pieces = pieces
    }

    /// `MLP_REF_` and the reference's text in capitals, other characters as `_`:
    /// `params.p` → `MLP_REF_PARAMS_P`, `steps.a.outputs.b` → `MLP_REF_STEPS_A_OUTPUTS_B`.
    public static func variableName(for referenceText: String) -> String {
        "MLP_REF_" + String(referenceText.uppercased().unicodeScalars.map { $0.isASCII && (CharacterSet.alphanumerics.contains($0)) ? Character($0) : "_" })
    }

    /// The type the program reads a value back as (Python converts the variable's text to it).
    public static func scriptType(of value: PortValue) -> PortType {
        switch value {
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        case .json: return .json
        case .string, .artifact: return .string
        }
    }

    /// The slots where a variable cannot expand: the checker reports each.
    public var literalSlots: [Slot] { slots.filter { $0.context == .literal } }

    /// The program text, each reference replaced by what names its variable; `types` gives the
    /// value's type per slot (Python converts the variable's text back to it).
    public func render(types: [PortType?]) -> String {
        var text = ""
        for piece in pieces {
            switch piece {
            case .text(let literal): text += literal
            case .slot(let index):
                let slot = slots[index]
                text += spelling(of: slot, type: index < types.count ? types[index] : nil)
            }
        }
        return text
    }

    /// How the text names a slot's variable.
    func spelling(of slot: Slot, type: PortType?) -> String {
        switch (language, slot.context) {
        case (.shell, .code): return "\"${\(slot.variable)}\""
        case (.shell, _): return "${\(slot.variable)}"
        case (.python, .code):
            let read = "__import__('os').environ['\(slot.variable)']"
            switch type {
            case .int?: return "int(\(read))"
            case .float?: return "float(\(read))"
            case .bool?: return "(\(read) == 'true')"
            case .json?, .metrics?: return "__import__('json').loads(\(read))"
            default: return read
            }
        case (.python, _): return slot.variable
        }
    }
}

import Foundation

/// Follows the quoting of shell or Python text to know the context at each point a reference is
/// spliced in. It errs towards `literal` (refused, with an explanation) and `code` (quoted as one
/// word), never towards letting a value be read as code.
enum ContextScanner {
    enum Element: Equatable {
        case character(Character)
        /// Where a reference stands.
        case slot
    }

    /// The context of every slot in `elements`, in order.
    static func contexts(of elements: [Element], language: ScriptLanguage) -> [ScriptTemplate.Context] {
        language == .shell ? shellContexts(elements) : pythonContexts(elements)
    }

    enum ShellState: Equatable {
        case plain
        /// `$( … )`, with its open parentheses.
        case subshell(Int)
        case backtick
        case double
        case single
        case comment
        /// A here-document's body ending at `delimiter`; `quoted` (`<<'EOF'`): nothing expands.
        case heredoc(delimiter: String, quoted: Bool, stripTabs: Bool)
    }

    static func shellContexts(_ elements: [Element]) -> [ScriptTemplate.Context] {
        var contexts: [ScriptTemplate.Context] = []
        var stack: [ShellState] = [.plain]
        var pending: [ShellState] = [] // here-documents announced on this line
        var line = ""                  // the current line of a here-document body
        var previous: Character?
        var i = 0
        func at(_ index: Int) -> Character? {
            guard index < elements.count, case .character(let c) = elements[index] else { return nil }
            return c
        }
        func openPending() {
            stack.append(contentsOf: pending.reversed())
            pending = []
            line = ""
        }
        while i < elements.count {
            let state = stack.last ?? .plain
            guard case .character(let c) = elements[i] else {
                // After a backslash the variable's `$` (or the quote before it) would be escaped.
                let escaped = previous == "\\" && !(state == .single) && !(state == .comment)
                switch escaped ? .single : state {
                case .plain, .subshell, .backtick: contexts.append(.code)
                case .double: contexts.append(.expanding)
                case .single: contexts.append(.literal)
                case .comment: contexts.append(.comment)
                case .heredoc(_, let quoted, _): contexts.append(quoted ? .literal : .expanding)
                }
                if case .heredoc = state { line.append("\u{0}") }
                previous = nil
                i += 1
                continue
            }
            i += 1
            switch state {
            case .heredoc(let end, let quoted, let stripTabs):
                if c == "\n" {
                    let body = stripTabs ? String(line.drop { $0 == "\t" }) : line
                    line = ""
                    if body == end { stack.removeLast() }
                } else {
                    line.append(c)
                    if !quoted, c == "\\", let next = at(i), next != "\n" { line.append(next); i += 1; previous = nil; continue }
                }
            case .single:
                if c == "'" { stack.removeLast() }
            case .double:
                if c == "\\" { if at(i) != nil { i += 1; previous = nil; continue } }
                else if c == "\"" { stack.removeLast() }
                else if c == "$", at(i) == "(" { stack.append(.subshell(0)); i += 1 }
                else if c == "`" { stack.append(.backtick) }
            case .comment:
                if c == "\n" { stack.removeLast(); openPending() }
            case .plain, .subshell, .backtick:
                switch c {
                case "\\":
                    if at(i) != nil { i += 1; previous = nil; continue }
                case "'": stack.append(.single)
                case "\"": stack.append(.double)
                case "`":
                    if state == .backtick { stack.removeLast() } else { stack.append(.backtick) }
                case "$" where at(i) == "(":
                    stack.append(.subshell(0))
                    i += 1
                case "(":
                    if case .subshell(let depth) = state { stack[stack.count - 1] = .subshell(depth + 1) }
                case ")":
                    if case .subshell(let depth) = state { if depth == 0 { stack.removeLast() } else { stack[stack.count - 1] = .subshell(depth - 1) } }
                case "#" where previous == nil || previous!.isWhitespace || ";|&(".contains(previous!):
                    stack.append(.comment)
                case "<" where at(i) == "<" && at(i + 1) != "<":
                    // A here-document: `<<WORD`, `<<-WORD`, `<<'WORD'`, `<<"WORD"`, `<<\WORD`.
                    i += 1
                    var stripTabs = false
                    if at(i) == "-" { stripTabs = true; i += 1 }
                    while at(i) == " " || at(i) == "\t" { i += 1 }
                    var word = ""
                    var quoted = false
                    while let d = at(i), !d.isWhitespace, !";|&<>()".contains(d) {
                        if d == "'" || d == "\"" {
                            quoted = true
                            i += 1
                            while let q = at(i), q != d { word.append(q); i += 1 }
                            i += 1
                        } else if d == "\\" {
                            quoted = true
                            i += 1
                        } else {
                            word.append(d)
                            i += 1
                        }
                    }
                    // A reference in the delimiter itself: treat the body as literal text.
                    if i < elements.count, case .slot = elements[i], at(i) == nil { quoted = true }
                    if !word.isEmpty || quoted { pending.append(.heredoc(delimiter: word, quoted: quoted, stripTabs: stripTabs)) }
                case "<" where at(i) == "<":
                    i += 2 // `<<<`, a here-string: its word is ordinary code
                case "\n":
                    openPending()
                default: break
                }
            }
            previous = c
        }
        return contexts
    }

    static func pythonContexts(_ elements: [Element]) -> [ScriptTemplate.Context] {
        var contexts: [ScriptTemplate.Context] = []
        var quote: String? // the open string's closing quote
        var comment = false
        var i = 0
        func at(_ index: Int) -> Character? {
            guard index < elements.count, case .character(let c) = elements[index] else { return nil }
            return c
        }
        while i < elements.count {
            guard case .character(let c) = elements[i] else {
                contexts.append(comment ? .comment : quote != nil ? .literal : .code)
                i += 1
                continue
            }
            if comment {
                if c == "\n" { comment = false }
                i += 1
                continue
            }
            if let open = quote {
                if c == "\\" { i += 2; continue }
                if open.count == 1, c == "\n" { quote = nil; i += 1; continue }
                if c == open.first, open.count == 1 || (at(i + 1) == c && at(i + 2) == c) {
                    quote = nil
                    i += open.count
                    continue
                }
                i += 1
                continue
            }
            if c == "#" { comment = true; i += 1; continue }
            if c == "'" || c == "\"" {
                let triple = at(i + 1) == c && at(i + 2) == c
                quote = triple ? String(repeating: c, count: 3) : String(c)
                i += triple ? 3 : 1
                continue
            }
            i += 1
        }
        return contexts
    }
}

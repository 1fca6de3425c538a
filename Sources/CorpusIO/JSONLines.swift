import Foundation

// JSON Lines: one object per line; `options.textColumn` / `options.labelColumn` name the keys.
extension RecordParser {
    mutating func jsonRecord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws -> (String, String?, [CorpusField]) {
        let data = Data(bytes: p + start, count: end - start)
        let parsed = try? JSONSerialization.jsonObject(with: data, options: [])
        guard let object = parsed as? [String: Any] else {
            throw CorpusError(file: file, line: line, problem: .invalidJSON)
        }
        // What Foundation's parser lets through silently: trailing commas, and repeated keys (it keeps the last).
        if let problem = Self.strictJSONProblem(UnsafeBufferPointer(start: p + start, count: end - start)) {
            throw CorpusError(file: file, line: line, problem: problem)
        }
        guard let rawText = object[options.textColumn] else {
            throw CorpusError(file: file, line: line,
                              problem: .missingKey(name: options.textColumn, available: object.keys.sorted()))
        }
        guard let text = rawText as? String else {
            throw CorpusError(file: file, line: line, problem: .invalidValue(key: options.textColumn, expected: "a string"))
        }
        if text.utf8.allSatisfy(isASCIISpace) {
            throw CorpusError(file: file, line: line, problem: .emptyText)
        }
        var kept: [CorpusField] = []
        if options.keepColumns {
            kept = Self.otherMembers(UnsafeBufferPointer(start: p + start, count: end - start), object, text: options.textColumn)
        }
        var label: String? = nil
        if !options.ignoreLabels, let rawLabel = object[options.labelColumn], !(rawLabel is NSNull) {
            if let s = rawLabel as? String {
                label = s.trimmingASCIISpaces()
            } else if let n = rawLabel as? NSNumber, String(cString: n.objCType) != "c", let i = rawLabel as? Int {
                // An integer label (0/1/2 codes) is taken as its decimal text; true/false and fractions are not.
                label = String(i)
            } else {
                throw CorpusError(file: file, line: line,
                                  problem: .invalidValue(key: options.labelColumn, expected: "a string or an integer"))
            }
            if label?.isEmpty == true { throw CorpusError(file: file, line: line, problem: .emptyLabel) }
        }
        let labelKey = options.labelColumn
        let settled = try settleLabel(label, missing: .missingKey(name: labelKey, available: object.keys.sorted()))
        return (text, settled, kept)
    }

    /// The object's members other than the text, in the line's order: strings as their text, other values as their
    /// JSON text as written.
    static func otherMembers(_ b: UnsafeBufferPointer<UInt8>, _ object: [String: Any], text: String) -> [CorpusField] {
        var out: [CorpusField] = []
        for (keyRange, valueRange) in topLevelMembers(b) {
            let rawKey = UnsafeBufferPointer(rebasing: b[keyRange])
            var key = String(decoding: rawKey, as: UTF8.self)
            if rawKey.contains(0x5C) {  // an escape: the key as JSON reads it
                let quoted = Data([0x22] + Array(rawKey) + [0x22])
                if let k = try? JSONSerialization.jsonObject(with: quoted, options: [.fragmentsAllowed]) as? String { key = k }
            }
            if key == text { continue }
            if let s = object[key] as? String {
                out.append(CorpusField(name: key, value: s))
            } else {
                out.append(CorpusField(name: key, value: String(decoding: UnsafeBufferPointer(rebasing: b[valueRange]), as: UTF8.self),
                                       isJSON: true))
            }
        }
        return out
    }

    /// Where the keys (inside their quotes) and values of a JSON object's top-level members lie, in order. The
    /// line is known to be one valid JSON object.
    static func topLevelMembers(_ b: UnsafeBufferPointer<UInt8>) -> [(key: Range<Int>, value: Range<Int>)] {
        var members: [(key: Range<Int>, value: Range<Int>)] = []
        var depth = 0
        var inString = false, escaped = false
        var expectKey = false, awaitingValue = false
        var keyStart = -1
        var key = 0..<0
        var valueStart = -1
        var lastEnd = 0  // just after the last byte outside white space
        for i in 0..<b.count {
            let c = b[i]
            if inString {
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 {
                    inString = false
                    if keyStart >= 0 { key = keyStart..<i; keyStart = -1 }
                    lastEnd = i + 1
                }
                continue
            }
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { continue }
            if awaitingValue { valueStart = i; awaitingValue = false }
            switch c {
            case 0x22:
                inString = true
                if depth == 1 && expectKey { keyStart = i + 1; expectKey = false }
            case 0x7B, 0x5B:
                depth += 1
                if depth == 1 { expectKey = true }
            case 0x7D, 0x5D:
                if depth == 1 && valueStart >= 0 { members.append((key, valueStart..<lastEnd)); valueStart = -1 }
                depth -= 1
            case 0x3A:
                if depth == 1 { awaitingValue = true }
            case 0x2C:
                if depth == 1 {
                    if valueStart >= 0 { members.append((key, valueStart..<lastEnd)); valueStart = -1 }
                    expectKey = true
                }
            default:
                break
            }
            lastEnd = i + 1
        }
        return members
    }

    /// A trailing comma anywhere, or a key repeated in the top-level object; nil when neither.
    static func strictJSONProblem(_ b: UnsafeBufferPointer<UInt8>) -> CorpusError.Problem? {
        var depth = 0
        var inString = false, escaped = false
        var lastSignificant: UInt8 = 0  // the last byte outside strings that is not white space
        var keyStart = -1
        var expectKey = false
        var keys = Set<[UInt8]>()
        for i in 0..<b.count {
            let c = b[i]
            if inString {
                if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 {
                    inString = false
                    if keyStart >= 0 {
                        let key = Array(b[keyStart..<i])
                        if !keys.insert(key).inserted {
                            return .duplicateKey(name: String(decoding: key, as: UTF8.self))
                        }
                        keyStart = -1
                    }
                    lastSignificant = 0x22
                }
                continue
            }
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case 0x22:
                inString = true
                if depth == 1 && expectKey { keyStart = i + 1 }
                expectKey = false
                continue
            case 0x7B, 0x5B:
                depth += 1
                expectKey = depth == 1 && c == 0x7B
            case 0x7D, 0x5D:
                if lastSignificant == 0x2C { return .trailingComma }
                depth -= 1
            case 0x2C:
                expectKey = depth == 1
            default:
                break
            }
            lastSignificant = c
        }
        return nil
    }
}

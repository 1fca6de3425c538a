import Foundation

// JSON Lines: one object per line; `options.textColumn` / `options.labelColumn` name the keys.
extension RecordParser {
    mutating func jsonRecord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws -> (String, String?) {
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
        var label: String? = nil
        if let rawLabel = object[options.labelColumn], !(rawLabel is NSNull) {
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
        return (text, settled)
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

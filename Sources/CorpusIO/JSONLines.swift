import Foundation

// JSON Lines: one object per line; `options.textColumn` / `options.labelColumn` name the keys.
extension RecordParser {
    mutating func jsonRecord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws -> (String, String?) {
        let data = Data(bytes: p + start, count: end - start)
        let parsed = try? JSONSerialization.jsonObject(with: data, options: [])
        guard let object = parsed as? [String: Any] else {
            throw CorpusError(file: file, line: line, problem: .invalidJSON)
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
            } else if let n = rawLabel as? Int {
                label = String(n)
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
}

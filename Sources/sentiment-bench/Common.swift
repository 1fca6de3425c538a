import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Shared by every mode: clocks, errors, option checks, the JSON setup, table formatting and small file helpers.

// MARK: Clocks and errors

/// Wall-clock seconds since an arbitrary origin.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds (user + system) used by this process so far.
func cpuTime() -> Double {
    Double(clock()) / Double(CLOCKS_PER_SEC)
}

struct BenchError: Error, CustomStringConvertible { var description: String }

// MARK: Options

/// `--char MIN MAX` (features and quality): two lengths, 1 ≤ MIN ≤ MAX, or none.
func validateCharRange(_ char: [Int]) throws {
    guard !char.isEmpty else { return }
    guard char.count == 2 else { throw ValidationError("--char takes two values, MIN MAX; got \(char.count)") }
    guard char[0] >= 1 && char[0] <= char[1] else { throw ValidationError("--char MIN MAX needs 1 ≤ MIN ≤ MAX, got \(char[0]) \(char[1])") }
}

// MARK: JSON

/// The one JSON setup of every result this executable prints: compact, keys sorted, one line.
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// An optional written as `null` when absent (synthesized `Encodable` leaves absent optionals out instead).
@propertyWrapper
struct NullWhenAbsent<Value: Encodable>: Encodable {
    var wrappedValue: Value?

    init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}

/// A finite number, or nil (JSON has no NaN or infinity).
func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

/// Any JSON value, for documents passed through unchanged (scikit-learn's result) and read loosely.
enum JSONValue: Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses one JSON object.
    init(parsingObject text: String) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        guard case .object = value else { throw BenchError(description: "not a JSON object: \(text.prefix(80))") }
        self = value
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var double: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

// MARK: Tables and numbers

func header(_ title: String) {
    print(title)
    print(String(repeating: "=", count: title.count))
}

/// Numeric columns right-aligned, text columns (the first, and any with a letter in a cell) left-aligned;
/// a blank last column is dropped.
func table(_ head: [String], _ rows: [[String]]) {
    var head = head, rows = rows
    if let last = head.indices.last, rows.allSatisfy({ $0.count <= last || $0[last].isEmpty }) {
        head.removeLast()
        rows = rows.map { Array($0.prefix(last)) }
    }
    let columns = head.count
    var width = head.map(\.count)
    for r in rows { for (i, c) in r.prefix(columns).enumerated() { width[i] = max(width[i], c.count) } }
    let left = (0..<columns).map { i in i == 0 || rows.contains { i < $0.count && $0[i].contains { $0.isLetter } } }
    func line(_ cells: [String]) -> String {
        (0..<columns).map { i -> String in
            let c = i < cells.count ? cells[i] : ""
            let pad = String(repeating: " ", count: width[i] - c.count)
            return left[i] ? c + pad : pad + c
        }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }
    print(line(head))
    print(width.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for r in rows { print(line(r)) }
}

func fixed(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "–" }
func signed(_ x: Double) -> String { x.isFinite ? String(format: "%+.4f", x) : "–" }
func num(_ v: JSONValue?, _ digits: Int = 4) -> String { v?.double.map { fixed($0, digits) } ?? "–" }

/// 1234567 → "1,234,567".
func grouped(_ x: Double) -> String {
    guard x.isFinite else { return "–" }
    let s = String(Int(x.rounded()))
    var out = ""
    for (i, ch) in s.reversed().enumerated() {
        if i > 0 && i % 3 == 0 && ch != "-" { out.append(",") }
        out.append(ch)
    }
    return String(out.reversed())
}

/// "met" or "missed (4.9× the target)".
func verdict(_ value: Double, _ target: Double) -> String {
    value <= target ? "met" : "missed (\(fixed(value / target, 1))×)"
}

/// Nearest-rank percentile of sorted values.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

// MARK: Progress, machine and files

func progress(_ text: String) {
    FileHandle.standardError.write(Data("[suite] \(text)\n".utf8))
}

func flush() { fflush(nil) }  // every C stream (stdout is a global var Swift 6 will not touch)

func loadAverage() -> [Double] {
    var l = [Double](repeating: 0, count: 3)
    return getloadavg(&l, 3) == 3 ? l : []
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
}

/// The last non-empty line of a file.
func lastLine(of path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(description: "\(path): cannot read") }
    return String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
}

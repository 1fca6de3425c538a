// Format dispatch: turns bytes into records. Used by both the streaming reader and the bulk reader, so both give
// the same records and errors.

enum Step {
    case record(CorpusRecord)
    /// The buffer ends inside a record (or before the header is complete) and more bytes may come.
    case needMore
    /// No more records.
    case end
}

/// Whether a line-based file carries labels; decided by its first record.
enum LabelMode {
    case undecided, present, absent
}

struct RecordParser {
    let file: String
    let format: CorpusFormat
    let options: CorpusOptions
    /// Line number at the parse cursor.
    var line = 1
    /// Records produced so far.
    var recordCount = 0
    /// Header columns (CSV/TSV).
    private(set) var columns: [String] = []
    private(set) var headerDone: Bool
    private var scanner: DelimitedScanner
    private var fields: [FieldRef] = []
    private var textIndex = 0
    private var labelIndex: Int? = nil
    var labelMode: LabelMode = .undecided

    init(file: String, format: CorpusFormat, options: CorpusOptions) throws {
        self.file = file
        self.format = format
        self.options = options
        self.headerDone = !(format == .csv || format == .tsv)
        self.scanner = DelimitedScanner(delimiter: format == .tsv ? 0x09 : 0x2C, file: file)
        if format == .lines && options.requireLabels {
            throw CorpusError(file: file, problem: .noLabels(format: .lines))
        }
        if format == .lines { labelMode = .absent }
    }

    /// Whether the records carry labels; `nil` while undecided (line formats before the first record).
    var hasLabels: Bool? {
        switch format {
        case .csv, .tsv: return headerDone ? labelIndex != nil : nil
        default:
            switch labelMode {
            case .undecided: return nil
            case .present: return true
            case .absent: return false
            }
        }
    }

    // MARK: Header

    /// Parses the CSV/TSV header. Returns `false` when more bytes are needed. Throws `emptyFile` when the data
    /// ends without a header.
    mutating func parseHeader(_ p: UnsafePointer<UInt8>, end: Int, pos: inout Int, atEOF: Bool, base: Int) throws -> Bool {
        if headerDone { return true }
        while true {
            if pos >= end {
                if atEOF { throw CorpusError(file: file, problem: .emptyFile) }
                return false
            }
            let start = pos
            switch try scanner.scanRecord(p, start: start, end: end, atEOF: atEOF, line: line, base: base, fields: &fields) {
            case .needMore:
                return false
            case .complete(let next, let newlines):
                if isBlankRecord(p, start) {
                    pos = next; line += newlines
                    continue
                }
                var names: [String] = []
                for f in fields {
                    names.append(try scanner.string(f, p, recordStart: start, line: line, base: base))
                }
                columns = names
                try resolveColumns()
                pos = next
                line += newlines
                headerDone = true
                return true
            }
        }
    }

    private func findColumn(_ name: String) -> Int? {
        if let i = columns.firstIndex(of: name) { return i }
        let wanted = name.trimmingASCIISpaces().lowercased()
        return columns.firstIndex { $0.trimmingASCIISpaces().lowercased() == wanted }
    }

    private mutating func resolveColumns() throws {
        // A column this reader uses must be named once: which of two "text" columns was meant is not guessed.
        for name in [options.textColumn, options.labelColumn] {
            let wanted = name.trimmingASCIISpaces().lowercased()
            let at = columns.indices.filter { columns[$0].trimmingASCIISpaces().lowercased() == wanted }
            if at.count > 1 {
                throw CorpusError(file: file, line: line, problem: .duplicateColumn(name: name, positions: at.map { $0 + 1 }))
            }
        }
        guard let t = findColumn(options.textColumn) else {
            throw CorpusError(file: file, line: line, problem: .missingColumn(name: options.textColumn, available: columns))
        }
        textIndex = t
        labelIndex = findColumn(options.labelColumn)
        if labelIndex == nil && options.requireLabels {
            throw CorpusError(file: file, line: line, problem: .missingColumn(name: options.labelColumn, available: columns))
        }
    }

    /// A record that is one empty (or whitespace-only) unquoted field: a blank line, skipped.
    @inline(__always)
    private func isBlankRecord(_ p: UnsafePointer<UInt8>, _ start: Int) -> Bool {
        fields.count == 1 && p[start] != 0x22 && isBlank(p, fields[0].start, fields[0].end)
    }

    // MARK: Records

    /// The next record from `p[pos..<end]`; advances `pos` and `line` past it.
    mutating func next(_ p: UnsafePointer<UInt8>, end: Int, pos: inout Int, atEOF: Bool, base: Int) throws -> Step {
        switch format {
        case .csv, .tsv:
            if !headerDone {
                if try !parseHeader(p, end: end, pos: &pos, atEOF: atEOF, base: base) { return .needMore }
            }
            return try nextDelimited(p, end: end, pos: &pos, atEOF: atEOF, base: base)
        case .jsonl, .fasttext, .phrasebank, .lines:
            while true {
                if pos >= end { return atEOF ? .end : .needMore }
                let lf = nextLF(p, pos, end)
                if lf == end && !atEOF { return .needMore }
                var lineEnd = lf
                if lineEnd > pos && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let start = pos
                let next = lf < end ? lf + 1 : end
                if isBlank(p, start, lineEnd) {
                    if let z = firstNUL(p, start, lineEnd) {
                        throw CorpusError(file: file, line: line, problem: .nulByte(byteOffset: base + z))
                    }
                    pos = next
                    if lf < end { line += 1 }
                    continue
                }
                let record = try lineRecord(p, start, lineEnd, base: base)
                pos = next
                if lf < end { line += 1 }
                recordCount += 1
                return .record(record)
            }
        }
    }

    @inline(__always)
    private mutating func nextDelimited(_ p: UnsafePointer<UInt8>, end: Int, pos: inout Int, atEOF: Bool,
                                        base: Int) throws -> Step {
        while true {
            if pos >= end { return atEOF ? .end : .needMore }
            let start = pos
            switch try scanner.scanRecord(p, start: start, end: end, atEOF: atEOF, line: line, base: base, fields: &fields) {
            case .needMore:
                return .needMore
            case .complete(let next, let newlines):
                if isBlankRecord(p, start) {
                    pos = next; line += newlines
                    continue
                }
                if fields.count != columns.count {
                    throw CorpusError(file: file, line: line,
                                      problem: .wrongFieldCount(expected: columns.count, found: fields.count))
                }
                let t = fields[textIndex]
                if isBlank(p, t.start, t.end) {
                    throw CorpusError(file: file, line: line + countLF(p, start, t.start), problem: .emptyText)
                }
                let text = try scanner.string(t, p, recordStart: start, line: line, base: base)
                var label: String? = nil
                if let li = labelIndex {
                    var f = fields[li]
                    (f.start, f.end) = trimmed(p, f.start, f.end)
                    if f.start == f.end {
                        throw CorpusError(file: file, line: line + countLF(p, start, fields[li].start), problem: .emptyLabel)
                    }
                    label = try scanner.string(f, p, recordStart: start, line: line, base: base)
                }
                let record = CorpusRecord(text: text, label: label, line: line)
                pos = next
                line += newlines
                recordCount += 1
                return .record(record)
            }
        }
    }

    /// One non-blank line (CR already removed) of a line-based format.
    private mutating func lineRecord(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, base: Int) throws -> CorpusRecord {
        if let z = firstNUL(p, start, end) {
            throw CorpusError(file: file, line: line, problem: .nulByte(byteOffset: base + z))
        }
        if format != .phrasebank, !isASCII(p, start, end), let bad = firstInvalidUTF8(p, start, end) {
            throw CorpusError(file: file, line: line, problem: .invalidUTF8(byteOffset: base + bad))
        }
        let (text, label): (String, String?)
        switch format {
        case .jsonl: (text, label) = try jsonRecord(p, start, end)
        case .fasttext: (text, label) = try fastTextRecord(p, start, end)
        case .phrasebank: (text, label) = try phraseBankRecord(p, start, end)
        default: (text, label) = (makeString(p, start, end), nil)
        }
        return CorpusRecord(text: text, label: label, line: line)
    }

    /// Applies the label rules of line formats: with `requireLabels` a missing label is an error; otherwise the
    /// first record decides whether the file has labels (later records must agree if it does).
    mutating func settleLabel(_ label: String?, missing: @autoclosure () -> CorpusError.Problem) throws -> String? {
        switch labelMode {
        case .undecided:
            if label == nil && options.requireLabels { throw CorpusError(file: file, line: line, problem: missing()) }
            labelMode = label == nil ? .absent : .present
            return label
        case .present:
            if label == nil { throw CorpusError(file: file, line: line, problem: missing()) }
            return label
        case .absent:
            return nil
        }
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" || c == "\n" { s = s.dropLast() }
        return String(s)
    }
}

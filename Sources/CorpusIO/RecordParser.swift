// Format dispatch: turns bytes into records. Used by both the streaming reader and the bulk reader, so both give
// the same records and errors.

enum Step {
    case record(CorpusRecord)
    /// A row with a problem confined to it; the parser has moved past it.
    case invalid(CorpusError)
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
    /// The most bytes one record (or the header) may have, its line break excluded: a longer one is an error, so a
    /// file without line breaks (or with an unclosed quote) is never buffered and decoded whole.
    static let maxRecordBytes = 1 << 20

    let file: String
    let format: CorpusFormat
    let options: CorpusOptions
    /// Line number at the parse cursor.
    var line = 1
    /// Records produced so far.
    var recordCount = 0
    /// Rows found invalid so far (`Step.invalid`).
    var invalidCount = 0
    /// File offset of a byte that is not white space, found ahead of the cursor while deciding whether a blank line
    /// is a row (so a run of blank lines is scanned once).
    private var textAhead = -1
    /// Header columns (CSV/TSV).
    private(set) var columns: [String] = []
    private(set) var headerDone: Bool
    private var scanner: DelimitedScanner
    private var fields: [FieldRef] = []
    private var textIndex = 0
    private var labelIndex: Int? = nil
    var labelMode: LabelMode = .undecided
    /// The header's splits while its columns are resolved (for suggestions in errors).
    private var headerSplitsSeen: [HeaderSplit] = []

    init(file: String, format: CorpusFormat, options: CorpusOptions) throws {
        self.file = file
        self.format = format
        self.options = options
        self.headerDone = !(format == .csv || format == .tsv)
        self.scanner = DelimitedScanner(delimiter: options.delimiter ?? (format == .tsv ? 0x09 : 0x2C), file: file)
        if options.delimiter != nil && format != .csv && format != .tsv {
            throw CorpusError(file: file, problem: .delimiterNotApplicable(format: format))
        }
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
    /// ends without a header. Without a given delimiter, the header is split with each of `,` `;` tab `|` and the
    /// one that gives a text column is used (the format's own when several give the same columns).
    mutating func parseHeader(_ p: UnsafePointer<UInt8>, end: Int, pos: inout Int, atEOF: Bool, base: Int) throws -> Bool {
        if headerDone { return true }
        while true {
            if pos >= end {
                if atEOF { throw CorpusError(file: file, problem: .emptyFile) }
                return false
            }
            let start = pos
            // A blank line before the header is skipped (whatever the delimiter: it has none).
            let w = window(start, end, atEOF)
            let lf = nextLF(p, start, w.end)
            if lf == w.end && !w.atEOF {
                if w.cut { throw tooLong() }
                return false
            }
            if isBlank(p, start, lf) {
                pos = lf < end ? lf + 1 : end
                if lf < end { line += 1 }
                continue
            }
            guard let splits = try headerSplits(p, start: start, end: end, atEOF: atEOF, base: base) else { return false }
            let chosen = try chooseDelimiter(splits, header: headerText(p, start, end: end))
            if chosen.delimiter != scanner.delimiter { scanner = DelimitedScanner(delimiter: chosen.delimiter, file: file) }
            columns = try chosen.columns.get()
            headerSplitsSeen = splits
            try resolveColumns(header: headerText(p, start, end: end))
            headerSplitsSeen = []
            pos = chosen.next
            line += chosen.newlines
            headerDone = true
            return true
        }
    }

    /// The header split with one delimiter.
    struct HeaderSplit {
        var delimiter: UInt8
        var columns: Result<[String], Error>
        var next: Int
        var newlines: Int
        var names: [String] { (try? columns.get()) ?? [] }
    }

    /// The header at `start` split with the given (or the format's own) delimiter first, then with each other
    /// candidate; nil when more bytes are needed to tell.
    private func headerSplits(_ p: UnsafePointer<UInt8>, start: Int, end: Int, atEOF: Bool,
                              base: Int) throws -> [HeaderSplit]? {
        let own = scanner.delimiter
        var splits: [HeaderSplit] = []
        var scratch: [FieldRef] = []
        // Another delimiter's quoting may run past the own split's line break: it is given at most 64 KiB (the same
        // limit whatever the chunks, so streaming and whole-file reads agree).
        let limit = 1 << 16
        // The own split, like every record, within `maxRecordBytes`.
        let w = window(start, end, atEOF)
        var ownTooLong = false
        for d in [own] + CorpusOptions.detectedDelimiters where d != own || splits.isEmpty {
            let s = DelimitedScanner(delimiter: d, file: file)
            let e = d == own ? w.end : min(w.end, start + limit)
            do {
                switch try s.scanRecord(p, start: start, end: e, atEOF: d == own ? w.atEOF : atEOF && e == end, line: line,
                                        base: base, fields: &scratch) {
                case .needMore:
                    if d == own && w.cut { ownTooLong = true } else if d == own || e == end { return nil }
                case .complete(let next, let newlines):
                    var names: [String] = []
                    for f in scratch { names.append(try s.string(f, p, recordStart: start, line: line, base: base)) }
                    splits.append(HeaderSplit(delimiter: d, columns: .success(names), next: next, newlines: newlines))
                }
            } catch {
                splits.append(HeaderSplit(delimiter: d, columns: .failure(error), next: start, newlines: 0))
            }
            // Thrown here, not recorded as this delimiter's failure above.
            if ownTooLong { throw tooLong() }
        }
        return splits
    }

    /// The header line as the user sees it (up to its first line break), for messages.
    private func headerText(_ p: UnsafePointer<UInt8>, _ start: Int, end: Int) -> String {
        var e = nextLF(p, start, min(end, start + 1 << 16))
        if e > start && p[e - 1] == 0x0D { e -= 1 }
        return String(decoding: UnsafeBufferPointer(start: p + start, count: e - start), as: UTF8.self)
    }

    private func has(_ names: [String], _ name: String) -> Bool {
        let wanted = name.trimmingASCIISpaces().lowercased()
        return names.contains { $0 == name || $0.trimmingASCIISpaces().lowercased() == wanted }
    }

    private func chooseDelimiter(_ splits: [HeaderSplit], header: String) throws -> HeaderSplit {
        let own = splits[0]
        if options.delimiter != nil { return own }  // given: missing columns are reported with a suggestion
        let matching = splits.filter { has($0.names, options.textColumn) }
        guard let first = matching.first else { return own }
        if matching.allSatisfy({ $0.names == first.names }) { return first }
        // Split differently by two delimiters: the one that also gives the label column, if only one does.
        let labelled = matching.filter { has($0.names, options.labelColumn) }
        if let l = labelled.first, labelled.allSatisfy({ $0.names == l.names }) { return l }
        throw CorpusError(file: file, line: line, problem: .ambiguousDelimiter(name: options.textColumn,
                                                                               delimiters: matching.map(\.delimiter)),
                          header: CorpusError.HeaderAsRead(text: header, delimiter: own.delimiter, columns: own.names))
    }

    /// The header as read, for a missing `name`: the split used, and another delimiter that gives `name` (or,
    /// failing that, more columns) to suggest.
    private func headerAsRead(_ text: String, missing name: String) -> CorpusError.HeaderAsRead {
        var info = CorpusError.HeaderAsRead(text: text, delimiter: scanner.delimiter, columns: columns)
        let others = headerSplitsSeen.filter { $0.delimiter != scanner.delimiter && $0.names.count > 1 }
        if let s = others.first(where: { has($0.names, name) })
            ?? others.filter({ $0.names.count > columns.count }).max(by: { $0.names.count < $1.names.count }) {
            info.suggested = s.delimiter
            info.suggestedColumns = s.names
        }
        return info
    }

    private func findColumn(_ name: String) -> Int? {
        if let i = columns.firstIndex(of: name) { return i }
        let wanted = name.trimmingASCIISpaces().lowercased()
        return columns.firstIndex { $0.trimmingASCIISpaces().lowercased() == wanted }
    }

    private mutating func resolveColumns(header: String) throws {
        // A column this reader uses must be named once: which of two "text" columns was meant is not guessed.
        for name in [options.textColumn, options.labelColumn] {
            let wanted = name.trimmingASCIISpaces().lowercased()
            let at = columns.indices.filter { columns[$0].trimmingASCIISpaces().lowercased() == wanted }
            if at.count > 1 {
                throw CorpusError(file: file, line: line, problem: .duplicateColumn(name: name, positions: at.map { $0 + 1 }))
            }
        }
        guard let t = findColumn(options.textColumn) else {
            throw CorpusError(file: file, line: line, problem: .missingColumn(name: options.textColumn, available: columns),
                              header: headerAsRead(header, missing: options.textColumn))
        }
        textIndex = t
        labelIndex = options.ignoreLabels ? nil : findColumn(options.labelColumn)
        if labelIndex == nil && options.requireLabels {
            throw CorpusError(file: file, line: line, problem: .missingColumn(name: options.labelColumn, available: columns),
                              header: headerAsRead(header, missing: options.labelColumn))
        }
    }

    /// A record that is one empty (or whitespace-only) unquoted field: a blank line, skipped.
    @inline(__always)
    private func isBlankRecord(_ p: UnsafePointer<UInt8>, _ start: Int) -> Bool {
        fields.count == 1 && p[start] != 0x22 && isBlank(p, fields[0].start, fields[0].end)
    }

    // MARK: Records

    /// The bytes a record starting at `start` is scanned in: at most `maxRecordBytes` and its line break. `cut`:
    /// more bytes follow the window, so a record that does not end inside it is too long.
    @inline(__always)
    private func window(_ start: Int, _ end: Int, _ atEOF: Bool) -> (end: Int, atEOF: Bool, cut: Bool) {
        let cap = start + Self.maxRecordBytes + 1
        return end > cap ? (cap, false, true) : (end, atEOF, false)
    }

    private func tooLong() -> CorpusError {
        CorpusError(file: file, line: line, problem: .recordTooLong(limit: Self.maxRecordBytes))
    }

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
                let w = window(pos, end, atEOF)
                let lf = nextLF(p, pos, w.end)
                if lf == w.end && !w.atEOF {
                    if w.cut { throw tooLong() }
                    return .needMore
                }
                var lineEnd = lf
                if lineEnd > pos && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let start = pos
                let next = lf < end ? lf + 1 : end
                let newlines = lf < end ? 1 : 0
                if isBlank(p, start, lineEnd) {
                    guard let step = blank(p, next: next, newlines: newlines, end: end, pos: &pos, atEOF: atEOF, base: base)
                    else { continue }
                    return step
                }
                do {
                    let record = try lineRecord(p, start, lineEnd, base: base)
                    pos = next
                    line += newlines
                    recordCount += 1
                    return .record(record)
                } catch let e as CorpusError {
                    return invalid(e, &pos, next, newlines)
                }
            }
        }
    }

    /// Moves past an invalid row and reports it.
    @inline(never)
    /// A blank record (ending at `next`): skipped (nil: go on with the next record) unless blank lines are rows,
    /// then an empty-text row, or the end when only blank lines follow.
    private mutating func blank(_ p: UnsafePointer<UInt8>, next: Int, newlines: Int, end: Int, pos: inout Int, atEOF: Bool,
                                base: Int) -> Step? {
        if !options.blankLinesAreRows {
            pos = next; line += newlines
            return nil
        }
        switch blankRow(p, next: next, end: end, atEOF: atEOF, base: base) {
        case .needMore: return .needMore
        case .end: pos = end; return .end
        case .row: return invalid(CorpusError(file: file, line: line, problem: .emptyText), &pos, next, newlines)
        }
    }

    private mutating func invalid(_ e: CorpusError, _ pos: inout Int, _ next: Int, _ newlines: Int) -> Step {
        pos = next
        line += newlines
        invalidCount += 1
        return .invalid(e)
    }

    private enum BlankRow { case row, end, needMore }

    /// Whether a blank line whose successor starts at `next` is a row: only when something other than blank lines
    /// follows (blank lines that end the file are not rows).
    private mutating func blankRow(_ p: UnsafePointer<UInt8>, next: Int, end: Int, atEOF: Bool, base: Int) -> BlankRow {
        if base + next <= textAhead { return .row }
        var i = next
        while i < end && isASCIISpace(p[i]) { i += 1 }
        if i < end {
            textAhead = base + i
            return .row
        }
        return atEOF ? .end : .needMore
    }

    @inline(__always)
    private mutating func nextDelimited(_ p: UnsafePointer<UInt8>, end: Int, pos: inout Int, atEOF: Bool,
                                        base: Int) throws -> Step {
        while true {
            if pos >= end { return atEOF ? .end : .needMore }
            let start = pos
            let w = window(start, end, atEOF)
            switch try scanner.scanRecord(p, start: start, end: w.end, atEOF: w.atEOF, line: line, base: base, fields: &fields) {
            case .needMore:
                if w.cut { throw tooLong() }
                return .needMore
            case .complete(let next, let newlines):
                if isBlankRecord(p, start) {
                    guard let step = blank(p, next: next, newlines: newlines, end: end, pos: &pos, atEOF: atEOF, base: base)
                    else { continue }
                    return step
                }
                do {
                    let record = try delimitedRecord(p, start, base: base)
                    pos = next
                    line += newlines
                    recordCount += 1
                    return .record(record)
                } catch {
                    return invalid(error, &pos, next, newlines)
                }
            }
        }
    }

    /// The record of the fields just scanned, starting at `start`.
    @inline(__always)
    private func delimitedRecord(_ p: UnsafePointer<UInt8>, _ start: Int, base: Int) throws(CorpusError) -> CorpusRecord {
        if fields.count != columns.count {
            throw CorpusError(file: file, line: line, problem: .wrongFieldCount(expected: columns.count, found: fields.count))
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
        var kept: [CorpusField] = []
        if options.keepColumns && columns.count > 1 {
            kept.reserveCapacity(columns.count - 1)
            for i in columns.indices where i != textIndex {
                kept.append(CorpusField(name: columns[i],
                                        value: try scanner.string(fields[i], p, recordStart: start, line: line, base: base)))
            }
        }
        return CorpusRecord(text: text, label: label, line: line, columns: kept)
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
        var kept: [CorpusField] = []
        switch format {
        case .jsonl: (text, label, kept) = try jsonRecord(p, start, end)
        case .fasttext: (text, label) = try fastTextRecord(p, start, end)
        case .phrasebank: (text, label) = try phraseBankRecord(p, start, end)
        default: (text, label) = (makeString(p, start, end), nil)
        }
        if options.keepColumns && format != .jsonl, let label { kept = [CorpusField(name: "label", value: label)] }
        return CorpusRecord(text: text, label: label, line: line, columns: kept)
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

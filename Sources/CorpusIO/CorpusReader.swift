/// One row as `CorpusReader.nextRow()` gives it.
public enum CorpusRow: Sendable, Equatable {
    case record(CorpusRecord)
    /// A row that cannot be used; the error names its line and the problem.
    case invalid(CorpusError)
}

/// Streaming reader: reads the file in chunks (1 MiB by default), so memory stays small for huge files and
/// standard input (`-`, which is read as CSV unless `options.format` says otherwise). Records spanning chunks are
/// handled. Gives exactly the records and errors `CorpusFile.readAll` gives.
///
///     let reader = try CorpusReader(path: "news.csv", options: CorpusOptions(requireLabels: false))
///     while let record = try reader.next() { ... }
///
/// The reader is a class because it owns an open file and a buffer; use it from one thread at a time.
public final class CorpusReader {
    /// The path as given (`-` for standard input).
    public let path: String
    /// The format being read (given or inferred).
    public var format: CorpusFormat { parser.format }
    /// The CSV/TSV header columns; empty for other formats.
    public var columns: [String] { parser.columns }
    /// Whether records carry labels: known after the header for CSV/TSV, after the first record otherwise
    /// (`nil` until then).
    public var hasLabels: Bool? { parser.hasLabels }

    private let source: ByteSource
    private var parser: RecordParser
    private let chunkSize: Int
    // Unparsed bytes are storage[pos..<count].
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var pos = 0
    /// File offset of `storage[0]`.
    private var base = 0
    private var atEOF = false
    private var finished = false

    /// Opens `path` and reads the CSV/TSV header (so a missing column throws here). `chunkSize` is the read
    /// size in bytes (small values are for tests).
    public convenience init(path: String, options: CorpusOptions = CorpusOptions(), chunkSize: Int = 1 << 20) throws {
        try self.init(source: ByteSource(path: path), options: options, chunkSize: chunkSize)
    }

    /// Streams a corpus held in memory (`path` names it in errors and picks the format).
    public convenience init(bytes: [UInt8], path: String, options: CorpusOptions = CorpusOptions(),
                            chunkSize: Int = 1 << 20) throws {
        try self.init(source: ByteSource(bytes: bytes, path: path), options: options, chunkSize: chunkSize)
    }

    private init(source: ByteSource, options: CorpusOptions, chunkSize: Int) throws {
        let chunk = max(1, chunkSize)
        // The first read is big enough to sniff the format and to hold a whole BOM.
        let first = options.format == nil ? max(chunk, 1 << 16) : max(chunk, 3)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: first)
        let count: Int
        let parser: RecordParser
        do {
            try source.decode(options.encoding)
            count = try source.readFully(into: storage, count: first)
            let format = options.format
                ?? CorpusFormat.infer(path: source.path, firstBytes: Array(UnsafeBufferPointer(start: storage, count: count)))
            parser = try RecordParser(file: source.path, format: format, options: options)
        } catch {
            storage.deallocate()
            throw error
        }
        self.source = source
        self.path = source.path
        self.chunkSize = chunk
        self.storage = storage
        self.capacity = first
        self.count = count
        self.atEOF = count < first
        self.parser = parser
        // Fully initialized: from here on a throw runs deinit, which frees the storage.
        pos = bomLength(storage, count)
        if atEOF && count == pos { throw CorpusError(file: path, problem: .emptyFile) }
        while try !self.parser.parseHeader(self.storage, end: self.count, pos: &pos, atEOF: atEOF, base: base) {
            try refill()
        }
    }

    deinit {
        storage.deallocate()
    }

    /// File size when known (regular files), else 0.
    var sizeHint: Int { source.sizeHint }

    /// Moves unparsed bytes to the front and reads more: at least `chunkSize`, and at least as many as are
    /// already buffered, so a long record is rescanned only a logarithmic number of times.
    private func refill() throws {
        let left = count - pos
        if pos > 0 {
            if left > 0 { storage.update(from: storage + pos, count: left) }
            base += pos
            pos = 0
            count = left
        }
        let want = max(chunkSize, left)
        if count + want > capacity {
            let newCapacity = max(count + want, capacity * 2)
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: storage, count: count)
            storage.deallocate()
            storage = grown
            capacity = newCapacity
        }
        let got = try source.readFully(into: storage + count, count: want)
        count += got
        if got < want { atEOF = true }
    }

    /// The next record, or `nil` after the last one. Throws `CorpusError` for bad data, and `noRecords` /
    /// `emptyFile` when the input ends without any record.
    public func next() throws -> CorpusRecord? {
        switch try nextRow() {
        case .record(let r): return r
        case .invalid(let e): throw e
        case nil: return nil
        }
    }

    /// The next row: a record, or a problem confined to one row (an empty text or blank line with
    /// `blankLinesAreRows`, a wrong number of fields, invalid UTF-8 in a field, a line that is not a usable JSON
    /// object, a missing label), with the reader already past that row; nil after the last. Problems after which
    /// the rest cannot be read row by row (an unterminated quote, text after a closing quote, a NUL byte in a CSV
    /// field, a read error) are thrown, as is `noRecords` / `emptyFile` for input without rows.
    public func nextRow() throws -> CorpusRow? {
        if finished { return nil }
        while true {
            switch try parser.next(storage, end: count, pos: &pos, atEOF: atEOF, base: base) {
            case .record(let r):
                return .record(r)
            case .invalid(let e):
                return .invalid(e)
            case .end:
                finished = true
                if parser.recordCount == 0 && parser.invalidCount == 0 {
                    throw CorpusError(file: path, problem: parser.columns.isEmpty ? .emptyFile : .noRecords)
                }
                return nil
            case .needMore:
                if atEOF {  // parsers always finish at the end of data; never loop forever
                    finished = true
                    return nil
                }
                try refill()
            }
        }
    }

    /// Reads the remaining records into a `Corpus`.
    public func readRemaining() throws -> Corpus {
        try readRemaining(expectedBytes: 0)
    }

    func readRemaining(expectedBytes: Int) throws -> Corpus {
        var texts: [String] = [], labels: [String] = [], lines: [Int] = []
        let estimate = expectedBytes / 100 + 16
        texts.reserveCapacity(estimate)
        lines.reserveCapacity(estimate)
        if hasLabels != false { labels.reserveCapacity(estimate) }
        while let r = try next() {
            texts.append(r.text)
            if let l = r.label { labels.append(l) }
            lines.append(r.line)
        }
        return Corpus(path: path, format: format, texts: texts, labels: labels, lines: lines)
    }
}

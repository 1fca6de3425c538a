/// Whole-file reading: the fast path for training and evaluation.
public enum CorpusFile {
    /// Reads and parses the whole file at `path` (`-` = standard input) into memory.
    /// Throws `CorpusError` for every problem, including a file without records.
    ///
    /// CSV/TSV: the header and the text and label fields are checked for valid UTF-8; columns that are not
    /// used are only split (and checked for NUL bytes), never decoded, so they cost no allocation.
    public static func readAll(path: String, options: CorpusOptions = CorpusOptions()) throws -> Corpus {
        // Big CSV/TSV files: both halves at once (same records, lines and errors; see ParallelRead.swift).
        if let corpus = try readAllInTwoHalves(path: path, options: options) { return corpus }
        // Parsing 4 MiB chunks in one reused buffer is faster than loading the whole file: no page faults for a
        // file-sized buffer, and the bytes stay in cache between reading and parsing.
        let reader = try CorpusReader(path: path, options: options, chunkSize: 1 << 22)
        return try reader.readRemaining(expectedBytes: reader.sizeHint)
    }

    /// Parses a corpus already in memory; `path` names it in errors and picks the format when
    /// `options.format` is `nil`.
    public static func readAll(bytes: [UInt8], path: String, options: CorpusOptions = CorpusOptions()) throws -> Corpus {
        let bytes = try ByteSource.utf8(bytes, path: path, encoding: options.encoding)
        let format = options.format ?? CorpusFormat.infer(path: path, firstBytes: Array(bytes.prefix(1 << 16)))
        var parser = try RecordParser(file: path, format: format, options: options)
        var texts: [String] = []
        var labels: [String] = []
        var lines: [Int] = []
        let estimate = bytes.count / 64 + 16
        texts.reserveCapacity(estimate)
        lines.reserveCapacity(estimate)
        try withBytes(bytes) { p, count in
            var pos = bomLength(p, count)
            _ = try parser.parseHeader(p, end: count, pos: &pos, atEOF: true, base: 0)
            if parser.hasLabels == true { labels.reserveCapacity(estimate) }
            loop: while true {
                switch try parser.next(p, end: count, pos: &pos, atEOF: true, base: 0) {
                case .record(let r):
                    texts.append(r.text)
                    if let l = r.label { labels.append(l) }
                    lines.append(r.line)
                case .invalid(let e):
                    throw e
                case .end, .needMore:
                    break loop
                }
            }
        }
        if texts.isEmpty {
            throw CorpusError(file: path, problem: parser.columns.isEmpty ? .emptyFile : .noRecords)
        }
        return Corpus(path: path, format: format, texts: texts, labels: labels, lines: lines)
    }
}

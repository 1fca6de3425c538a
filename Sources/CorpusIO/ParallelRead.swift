import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reading of big CSV/TSV files on two cores: the file is mapped, split at the first line start past
/// its middle, and both halves are parsed at once. Where the second half starts is a guess (a quoted field may
/// hold line breaks), so it is checked: the first half's parser must finish a record exactly at the split. When it
/// does, the second half's records (and its first error) are exactly what a serial parse gives there, with line
/// numbers shifted; when it does not, the first parser simply goes on to the end and the guess is thrown away.
/// Records, line numbers and errors are therefore those of the serial reader in every case (tests compare them).
extension CorpusFile {
    /// Files smaller than this are read serially (a thread is not worth it).
    static let parallelMinimumBytes = 16 << 20

    /// Records of one half.
    private struct Half {
        var texts: [String] = []
        var labels: [String] = []
        var lines: [Int] = []

        init(capacity: Int, labelled: Bool) {
            texts.reserveCapacity(capacity)
            lines.reserveCapacity(capacity)
            if labelled { labels.reserveCapacity(capacity) }
        }

        mutating func append(_ r: CorpusRecord) {
            texts.append(r.text)
            if let l = r.label { labels.append(l) }
            lines.append(r.line)
        }
    }

    /// The second half's outcome, handed from its thread.
    private final class SecondHalf: @unchecked Sendable {
        var result: Result<(Half, RecordParser), Error>?
    }

    /// A mapped file's bytes, handed to the second half's thread (read-only while both run).
    private struct Bytes: @unchecked Sendable {
        let base: UnsafePointer<UInt8>
        let count: Int
    }

    /// The corpus at `path` parsed in two halves at once, or nil when that does not apply (not a regular file,
    /// smaller than `minimumBytes`, not CSV/TSV, one core, or no line start past the middle): the caller then reads
    /// serially, which also reports a missing or unreadable file.
    static func readAllInTwoHalves(path: String, options: CorpusOptions,
                                   minimumBytes: Int = parallelMinimumBytes) throws -> Corpus? {
        try twoHalves(path: path, options: options, minimumBytes: minimumBytes)?.corpus
    }

    /// `readAllInTwoHalves`, also telling whether the guessed split held (tests check both cases occur).
    static func twoHalves(path: String, options: CorpusOptions,
                          minimumBytes: Int) throws -> (corpus: Corpus, splitHeld: Bool)? {
        guard path != "-", ProcessInfo.processInfo.activeProcessorCount >= 2 else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let size = Int(st.st_size)
        guard size >= max(minimumBytes, 1) else { return nil }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else { return nil }
        defer { munmap(mapped, size) }
        let p = UnsafePointer(mapped.assumingMemoryBound(to: UInt8.self))
        // Other encodings are converted as they are read, by the serial reader.
        if let e = options.encoding, e != .utf8 { return nil }
        if options.encoding == nil && startsWithUTF16Mark(p, size) { return nil }
        let format = options.format
            ?? CorpusFormat.infer(path: path, firstBytes: Array(UnsafeBufferPointer(start: p, count: min(size, 1 << 16))))
        guard format == .csv || format == .tsv else { return nil }

        var first = try RecordParser(file: path, format: format, options: options)
        var pos = bomLength(p, size)
        _ = try first.parseHeader(p, end: size, pos: &pos, atEOF: true, base: 0)
        var split = pos + (size - pos) / 2
        while split < size && p[split - 1] != 0x0A { split += 1 }
        guard split > pos, split < size else { return nil }

        let labelled = first.hasLabels == true
        let estimate = (size - pos) / 2 / 100 + 16
        let second = SecondHalf()
        let done = DispatchSemaphore(value: 0)
        var fresh = first
        fresh.line = 1
        fresh.recordCount = 0
        let secondParser = fresh
        let bytes = Bytes(base: p, count: size)
        let start = split
        let thread = Thread {
            second.result = Result {
                var parser = secondParser
                var half = Half(capacity: estimate, labelled: labelled)
                var at = start
                loop: while true {
                    switch try parser.next(bytes.base, end: bytes.count, pos: &at, atEOF: true, base: 0) {
                    case .record(let r): half.append(r)
                    case .invalid(let e): throw e
                    case .end, .needMore: break loop
                    }
                }
                return (half, parser)
            }
            done.signal()
        }
        thread.start()
        // The mapping must outlive the second half's parse, whatever happens here.
        defer { done.wait() }

        var a = Half(capacity: estimate, labelled: labelled)
        var atSplit = false
        loop: while true {
            switch try first.next(p, end: size, pos: &pos, atEOF: true, base: 0) {
            case .record(let r):
                a.append(r)
                if !atSplit && pos == split {
                    atSplit = true
                    break loop
                }
            case .invalid(let e):
                throw e
            case .end, .needMore:
                break loop
            }
        }
        var records = first.recordCount
        if atSplit {
            done.wait()
            done.signal()  // for the deferred wait
            switch second.result! {
            case .failure(var e as CorpusError):
                if let line = e.line { e.line = line + first.line - 1 }
                throw e
            case .failure(let e):
                throw e
            case .success(let (b, parser)):
                let shift = first.line - 1
                a.texts += b.texts
                a.labels += b.labels
                a.lines += b.lines.map { $0 + shift }
                records += parser.recordCount
            }
        }
        if records == 0 {
            throw CorpusError(file: path, problem: first.columns.isEmpty ? .emptyFile : .noRecords)
        }
        return (Corpus(path: path, format: format, texts: a.texts, labels: a.labels, lines: a.lines), atSplit)
    }
}

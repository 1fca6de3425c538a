import ArgumentParser
import Foundation
import Sparse
import TextFeatures
import CorpusIO

/// A minimal RFC 4180 reader for the benchmark: the `text` column of a CSV file with a header row.
func readTextColumn(path: String) throws -> (texts: [String], bytes: Int) {
    guard let data = FileManager.default.contents(atPath: path) else { throw BenchError(description: "\(path): cannot read file") }
    var texts: [String] = []
    var textColumn = -1
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
        guard let p = raw.bindMemory(to: UInt8.self).baseAddress else { return }
        let n = raw.count
        var i = 0
        var field = 0
        var isHeader = true
        var scratch: [UInt8] = []
        while i < n {
            // One field.
            var text: String
            if p[i] == 0x22 {
                var j = i + 1
                var escaped = false
                while j < n {
                    if p[j] == 0x22 {
                        if j + 1 < n && p[j + 1] == 0x22 { escaped = true; j += 2; continue }
                        break
                    }
                    j += 1
                }
                if escaped {
                    scratch.removeAll(keepingCapacity: true)
                    var q = i + 1
                    while q < j { scratch.append(p[q]); q += (p[q] == 0x22 ? 2 : 1) }
                    text = String(decoding: scratch, as: UTF8.self)
                } else {
                    text = String(decoding: UnsafeBufferPointer(start: p + i + 1, count: j - i - 1), as: UTF8.self)
                }
                i = min(j + 1, n)
            } else {
                var j = i
                while j < n && p[j] != 0x2C && p[j] != 0x0A { j += 1 }
                var end = j
                if end > i && p[end - 1] == 0x0D { end -= 1 }
                text = (isHeader || field == textColumn)
                    ? String(decoding: UnsafeBufferPointer(start: p + i, count: end - i), as: UTF8.self) : ""
                i = j
            }
            if isHeader { if text == "text" { textColumn = field } } else if field == textColumn { texts.append(text) }
            if i < n && p[i] == 0x2C { field += 1; i += 1; continue }
            if i < n && p[i] == 0x0D { i += 1 }
            if i < n && p[i] == 0x0A { i += 1 }
            field = 0
            isHeader = false
        }
    }
    if textColumn < 0 { throw BenchError(description: "\(path):1: no \"text\" column in the header") }
    return (texts, data.count)
}

struct FeaturesBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Time the feature pipeline on a CSV file: read, Vectorizer.fit, transform and fitTransform.",
        discussion: """
            Features as FeatureConfig.default unless an option changes them. Prints one line per stage, seconds and \
            CPU seconds; --repeat runs the fit and transform stages again on the texts read once.

            Example:
              sentiment-bench features scale-1000000.csv --buckets 524288 --repeat 3
            """)

    @Argument(help: ArgumentHelp("A CSV file with a header row and a text column.", valueName: "file"))
    var file: String

    @Flag(help: "Read with the benchmark's own minimal CSV reader (the text column only) instead of CorpusFile.readAll.")
    var minimalReader = false

    @Option(defaultAsFlag: 2, parsing: .next,
            help: ArgumentHelp("Learn a vocabulary of the features seen in at least MIN_DF texts (2 when the value is left out).",
                               valueName: "min-df"))
    var vocabulary: Int? = nil

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Add character n-grams of MIN to MAX characters.", valueName: "min max"))
    var char: [Int] = []

    @Option(help: ArgumentHelp("Hash features into N buckets.", valueName: "n"))
    var buckets: Int?

    @Option(help: ArgumentHelp("Largest word n-gram length.", valueName: "n"))
    var ngrams: Int?

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Run the fit and transform stages K times.", valueName: "k"))
    var repeats = 1

    func validate() throws {
        if let vocabulary, vocabulary < 1 { throw ValidationError("--vocabulary must be ≥ 1, got \(vocabulary)") }
        if vocabulary != nil && buckets != nil { throw ValidationError("--vocabulary and --buckets exclude each other") }
        if let buckets, !(1...FeatureConfig.maxBuckets).contains(buckets) { throw ValidationError("--buckets must be in 1...\(FeatureConfig.maxBuckets), got \(buckets)") }
        try validateCharRange(char)
        if let ngrams, ngrams < 1 { throw ValidationError("--ngrams must be ≥ 1, got \(ngrams)") }
        if repeats < 1 { throw ValidationError("--repeat must be ≥ 1, got \(repeats)") }
    }

    func run() throws {
        var config = FeatureConfig.default
        if let vocabulary { config.vocabulary = .vocabulary(minDocumentFrequency: vocabulary, maxFeatures: nil) }
        if let buckets { config.vocabulary = .hashing(buckets: buckets) }
        if char.count == 2 { config.charNgrams = CharNgramRange(min: char[0], max: char[1]) }
        if let ngrams { config.wordNgrams = ngrams }

        let t0 = now(), c0 = cpuTime()
        let texts: [String], bytes: Int
        if minimalReader {
            (texts, bytes) = try readTextColumn(path: file)
        } else {
            texts = try CorpusFile.readAll(path: file, options: CorpusOptions(format: .csv, requireLabels: false)).texts
            bytes = fileSize(file)
        }
        let tRead = now() - t0, cRead = cpuTime() - c0
        print("config: \(config.vocabulary), wordNgrams \(config.wordNgrams), charNgrams \(config.charNgrams.map { "\($0.min)...\($0.max)" } ?? "off"), \(config.weighting), sublinear \(config.sublinearTF), l2 \(config.l2Normalize), negation \(config.tokenizer.markNegation)")
        print(String(format: "read      %.3f s  cpu %.3f s  (%d rows, %.1f MB, %@)", tRead, cRead, texts.count, Double(bytes) / 1e6,
                     minimalReader ? "minimal reader in the benchmark" : "CorpusFile.readAll"))
        for _ in 0..<repeats {
            let t1 = now(), c1 = cpuTime()
            let v = Vectorizer.fit(texts, config: config)
            let tFit = now() - t1, cFit = cpuTime() - c1
            let t2 = now(), c2 = cpuTime()
            let m = v.transform(texts)
            let tTransform = now() - t2, cTransform = cpuTime() - c2
            let t3 = now(), c3 = cpuTime()
            let (_, m2) = Vectorizer.fitTransform(texts, config: config)
            let tFitTransform = now() - t3, cFitTransform = cpuTime() - c3
            let rows = Double(texts.count), mb = Double(bytes) / 1e6
            print(String(format: "fit       %.3f s  cpu %.3f s  (%d features)", tFit, cFit, v.featureCount))
            print(String(format: "transform %.3f s  cpu %.3f s  (nnz %d, %.0f rows/s, %.1f MB/s)", tTransform, cTransform, m.nonZeroCount, rows / tTransform, mb / tTransform))
            print(String(format: "fitTransform %.3f s  cpu %.3f s  (same matrix as fit+transform: %@)", tFitTransform, cFitTransform, m == m2 ? "yes" : "NO"))
            let best = min(tFit + tTransform, tFitTransform)
            print(String(format: "total     %.3f s  read + min(fit+transform, fitTransform) → %.0f rows/s, %.1f MB/s",
                          tRead + best, rows / (tRead + best), mb / (tRead + best)))
        }
    }
}

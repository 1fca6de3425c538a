import Foundation
import Sparse
import TextFeatures
import CorpusIO

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

func featuresBenchmark(_ args: [String]) -> Int32 {
    guard let path = args.first else {
        print("usage: sentiment-bench features FILE [--minimal-reader] [--vocabulary [MIN_DF]] [--char MIN MAX] [--buckets N] [--ngrams N] [--repeat K]")
        return 2
    }
    var config = FeatureConfig.default
    var repeats = 1
    var minimalReader = false
    var k = 1
    while k < args.count {
        switch args[k] {
        case "--vocabulary":
            var minDF = 2
            if k + 1 < args.count, let m = Int(args[k + 1]) { minDF = m; k += 1 }
            config.vocabulary = .vocabulary(minDocumentFrequency: minDF, maxFeatures: nil)
        case "--char":
            if k + 2 < args.count, let lo = Int(args[k + 1]), let hi = Int(args[k + 2]) {
                config.charNgrams = CharNgramRange(min: lo, max: hi); k += 2
            }
        case "--buckets":
            if k + 1 < args.count, let n = Int(args[k + 1]) { config.vocabulary = .hashing(buckets: n); k += 1 }
        case "--ngrams":
            if k + 1 < args.count, let n = Int(args[k + 1]) { config.wordNgrams = n; k += 1 }
        case "--minimal-reader":
            minimalReader = true
        case "--repeat":
            if k + 1 < args.count, let n = Int(args[k + 1]) { repeats = max(1, n); k += 1 }
        default:
            print("unknown option \(args[k])"); return 2
        }
        k += 1
    }
    let t0 = now(), c0 = cpuTime()
    let texts: [String], bytes: Int
    do {
        if minimalReader {
            (texts, bytes) = try readTextColumn(path: path)
        } else {
            texts = try CorpusFile.readAll(path: path, options: CorpusOptions(format: .csv, requireLabels: false)).texts
            bytes = Int((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.intValue ?? 0)
        }
    } catch { print(error); return 1 }
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
    return 0
}

func printTokens(_ args: [String]) -> Int32 {
    let tokenizer = Tokenizer(.default)
    for text in args { print(tokenizer.tokens(text).joined(separator: " | ")) }
    return 0
}

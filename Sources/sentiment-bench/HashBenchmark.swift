import ClassifierStore
import Foundation

/// `hash FILE [--repeat K]`: SHA-256 throughput over FILE's bytes (held in memory), in two shapes:
/// `bulk` feeds 1 MiB chunks; `records` feeds each line as an 8-byte length then its bytes, as `newCorpus` does.
func hashBenchmark(_ args: [String]) -> Int32 {
    guard let path = args.first, let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("usage: sentiment-bench hash FILE [--repeat K]\n".utf8))
        return 2
    }
    var repeats = 3
    if let i = args.firstIndex(of: "--repeat"), i + 1 < args.count, let k = Int(args[i + 1]), k > 0 { repeats = k }
    let bytes = [UInt8](data)
    var lines: [Range<Int>] = []
    var start = 0
    for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { lines.append(start..<i); start = i + 1 }
    if start < bytes.count { lines.append(start..<bytes.count) }
    let megabytes = Double(bytes.count) / 1e6
    print(String(format: "%@: %.1f MB, %d lines, median of %d runs", path, megabytes, lines.count, repeats))

    for shape in ["bulk", "records"] {
        var times: [Double] = []
        var digest = ""
        for _ in 0..<repeats {
            var h = SHA256()
            let t0 = now()
            bytes.withUnsafeBytes { all in
                if shape == "bulk" {
                    var o = 0
                    while o < all.count {
                        let n = min(1 << 20, all.count - o)
                        h.update(UnsafeRawBufferPointer(rebasing: all[o..<(o + n)]))
                        o += n
                    }
                } else {
                    for r in lines {
                        var n = UInt64(r.count).littleEndian
                        withUnsafeBytes(of: &n) { h.update($0) }
                        h.update(UnsafeRawBufferPointer(rebasing: all[r]))
                    }
                }
            }
            digest = SHA256.hexString(h.finalize())
            times.append(now() - t0)
        }
        let median = times.sorted()[times.count / 2]
        print(String(format: "%-8@ %8.1f MB/s  %.3f s  %@", shape, megabytes / median, median, digest))
    }
    return 0
}

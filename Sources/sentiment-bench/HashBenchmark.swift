import ArgumentParser
import ClassifierStore
import Foundation

struct HashBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "SHA-256 throughput over a file's bytes (held in memory), in two shapes.",
        discussion: """
            bulk feeds 1 MiB chunks; records feeds each line as an 8-byte length then its bytes, as newCorpus does. \
            Prints MB/s, seconds and the digest of each shape, the median of --repeat runs.

            Example:
              sentiment-bench hash scale-1000000.csv --repeat 5
            """)

    @Argument(help: ArgumentHelp("The file to hash.", valueName: "file"))
    var file: String

    @Option(name: .customLong("repeat"), help: ArgumentHelp("Runs per shape; the median is reported.", valueName: "k"))
    var repeats = 3

    func validate() throws {
        if repeats < 1 { throw ValidationError("--repeat must be ≥ 1, got \(repeats)") }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw BenchError(description: "\(file): cannot read file") }
        let bytes = [UInt8](data)
        var lines: [Range<Int>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { lines.append(start..<i); start = i + 1 }
        if start < bytes.count { lines.append(start..<bytes.count) }
        let megabytes = Double(bytes.count) / 1e6
        print(String(format: "%@: %.1f MB, %d lines, median of %d runs", file, megabytes, lines.count, repeats))

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
    }
}

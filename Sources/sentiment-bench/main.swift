// Release-mode benchmarks. Usage: sentiment-bench <mode> [arguments]
//   features FILE [--minimal-reader] [--vocabulary [MIN_DF]] [--char MIN MAX] [--buckets N] [--ngrams N] [--repeat K]
//                                                   read + fit + transform timing of the feature pipeline
//   quality TRAIN TEST [options]                     fit with the library defaults on TRAIN, report on TEST
//   tokens TEXT...                                  print the tokens of each TEXT (default tokenizer)
//   suite [PART...] [options]                       the benchmark suite (features, train, predict, query, quality);
//                                                   see Suite.swift and bench/run.sh; last stdout line is JSON
//   store-insert [N] [DIR] [BATCH]                  bulk-insert N predictions into a fresh store, rows/s
//   measure [--stdout F] [--stderr F] [--] CMD...   run CMD, print its wall time, peak RSS (wait4) and CPU as JSON
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let modes: [String: ([String]) -> Int32] = [
    "features": featuresBenchmark,
    "tokens": printTokens,
    "quality": qualityBenchmark,
    "suite": suiteBenchmark,
    "measure": measureMode,
    "store-insert": storeInsertBenchmark,
    "hash": hashBenchmark,
]

guard let mode = arguments.first, let run = modes[mode] else {
    let known = modes.keys.sorted().joined(separator: ", ")
    FileHandle.standardError.write("usage: sentiment-bench <mode> [arguments]; modes: \(known)\n".data(using: .utf8)!)
    exit(2)
}
exit(run(Array(arguments.dropFirst())))

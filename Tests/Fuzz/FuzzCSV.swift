// libFuzzer target: the CSV/TSV reader. Any bytes must give records or a CorpusError, never a crash, and the
// streaming reader (tiny chunks) must agree with the whole-buffer reader. Built by Tests/Fuzz/run.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for (path, labels) in [("f.csv", false), ("f.tsv", true)] {
        checkReaders(bytes, path: path, options: CorpusOptions(requireLabels: labels))
    }
    return 0
}

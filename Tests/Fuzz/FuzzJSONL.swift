// libFuzzer target: the JSON Lines reader (and the fastText / PhraseBank line formats). Built by Tests/Fuzz/run.sh.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONL(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkReaders(bytes, path: "f.jsonl", options: CorpusOptions(requireLabels: false))
    checkReaders(bytes, path: "f.jsonl", options: CorpusOptions(requireLabels: true))
    checkReaders(bytes, path: "f.ft", options: CorpusOptions(requireLabels: true))
    checkReaders(bytes, path: "f.txt", options: CorpusOptions(format: .phrasebank, requireLabels: true))
    return 0
}

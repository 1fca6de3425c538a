// Shared by the reader fuzz targets: whole-buffer and streaming reads must agree, record for record or on the error.
func checkReaders(_ bytes: [UInt8], path: String, options: CorpusOptions) {
    var whole: Result<Corpus, CorpusError>
    do { whole = .success(try CorpusFile.readAll(bytes: bytes, path: path, options: options)) }
    catch let e as CorpusError { whole = .failure(e) }
    catch { fatalError("unexpected error type: \(error)") }
    var streamed: Result<Corpus, CorpusError>
    do {
        let reader = try CorpusReader(bytes: bytes, path: path, options: options, chunkSize: 7)
        streamed = .success(try reader.readRemaining())
    } catch let e as CorpusError { streamed = .failure(e) }
    catch { fatalError("unexpected error type: \(error)") }
    switch (whole, streamed) {
    case let (.success(a), .success(b)):
        if a != b { fatalError("streaming and whole-buffer reads differ for \(path)") }
        for t in a.texts where t.isEmpty { fatalError("empty text accepted") }
    case let (.failure(a), .failure(b)):
        if a != b { fatalError("different errors: \(a) vs \(b)") }
    default:
        fatalError("one reader failed, the other did not: \(whole) vs \(streamed)")
    }
}

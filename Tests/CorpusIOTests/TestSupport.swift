import CorpusIO
import Foundation
import XCTest

/// Parses `text` (UTF-8) as if it were the file `path`.
func parse(_ text: String, path: String = "t.csv", options: CorpusOptions = CorpusOptions()) throws -> Corpus {
    try CorpusFile.readAll(bytes: Array(text.utf8), path: path, options: options)
}

func parse(bytes: [UInt8], path: String = "t.csv", options: CorpusOptions = CorpusOptions()) throws -> Corpus {
    try CorpusFile.readAll(bytes: bytes, path: path, options: options)
}

/// The CorpusError thrown by `body`; fails the test when nothing or something else is thrown.
func corpusError<T>(_ body: () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> CorpusError? {
    do {
        _ = try body()
        XCTFail("expected a CorpusError", file: file, line: line)
    } catch let e as CorpusError {
        return e
    } catch {
        XCTFail("unexpected error type: \(error)", file: file, line: line)
    }
    return nil
}

/// Streams `bytes` with the given chunk size and collects everything, or the error.
func streamAll(_ bytes: [UInt8], path: String, options: CorpusOptions, chunkSize: Int) -> Result<Corpus, CorpusError> {
    do {
        let reader = try CorpusReader(bytes: bytes, path: path, options: options, chunkSize: chunkSize)
        return .success(try reader.readRemaining())
    } catch let e as CorpusError {
        return .failure(e)
    } catch {
        fatalError("non-CorpusError thrown: \(error)")
    }
}

func bulk(_ bytes: [UInt8], path: String, options: CorpusOptions) -> Result<Corpus, CorpusError> {
    do {
        return .success(try CorpusFile.readAll(bytes: bytes, path: path, options: options))
    } catch let e as CorpusError {
        return .failure(e)
    } catch {
        fatalError("non-CorpusError thrown: \(error)")
    }
}

/// A fresh temporary directory, removed by the test's teardown block.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("corpusio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// Deterministic generator (SplitMix64) for the property tests.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

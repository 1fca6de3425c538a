import ArgumentParser
import CorpusIO
import Foundation
import SentimentKit
import SentimentClassifier
import SoftmaxRegression
import Sparse
import TextFeatures

/// The documented exit codes of `sentiment`.
///
/// | code | meaning |
/// |---|---|
/// | 0 | success |
/// | 1 | declined: the answer to a deletion's question was not yes |
/// | 64 | usage: unknown flag, bad flag value (swift-argument-parser's validation code) |
/// | 65 | bad input: a corpus or text file that cannot be used, an unknown label, a bad search query |
/// | 66 | not found: no such file, model, version or prediction |
/// | 70 | internal error (a bug: please report it) |
/// | 73 | cannot create an output file: it exists (without --force), is not a regular file, or is the store |
/// | 74 | store error: the store cannot be opened, is corrupted, newer, read-only, or a model fails its checksum; or not enough memory |
enum Exit {
    static let declined: Int32 = 1
    static let usage: Int32 = 64
    static let badInput: Int32 = 65
    static let notFound: Int32 = 66
    static let internalError: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let store: Int32 = 74
    static let interrupted: Int32 = 130
}

/// An error the CLI reports as one line on stderr with its exit code.
struct CLIFailure: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { message }

    static func usage(_ m: String) -> CLIFailure { CLIFailure(code: Exit.usage, message: m) }
    static func badInput(_ m: String) -> CLIFailure { CLIFailure(code: Exit.badInput, message: m) }
    static func notFound(_ m: String) -> CLIFailure { CLIFailure(code: Exit.notFound, message: m) }
    static func store(_ m: String) -> CLIFailure { CLIFailure(code: Exit.store, message: m) }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((terminalSafe(readable(line)) + "\n").utf8))
}

/// A message cut to a length a terminal shows on a few lines: its start and end, with what was left out counted
/// (a corpus whose only line is 20 MB long must not become a 20 MB error).
func readable(_ message: String, limit: Int = 600) -> String {
    guard message.count > limit else { return message }
    let head = message.prefix(limit * 2 / 3), tail = message.suffix(limit / 6)
    return "\(head) … [\(message.count - head.count - tail.count) characters left out] … \(tail)"
}

/// Runs a command body, turning every error into one line on stderr and a documented exit code.
func reporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        let failure = classify(error)
        printError(failure.code == Exit.declined ? "sentiment: \(failure.message)" : "sentiment: error: \(failure.message)")
        throw ExitCode(failure.code)
    }
}

/// Maps a library error to the exit code and message the CLI reports.
func classify(_ error: Error) -> CLIFailure {
    switch error {
    case let e as CLIFailure:
        return e
    case let e as SentimentKitError:
        switch e {
        case .noActiveModel, .fileNotFound: return .notFound(e.description)
        case .invalidInput: return .badInput(e.description)
        }
    case let e as ModelNotFound:
        return .notFound(e.description)
    case let e as CorpusInUse:
        return .badInput(e.description)
    case let e as OutputFileError:
        return CLIFailure(code: Exit.cannotCreate, message: e.description)
    case let e as CorpusError:
        switch e.problem {
        case .fileNotFound: return .notFound(e.description)
        default: return .badInput(e.description)
        }
    case let e as StoreError:
        switch e {
        case .modelNotFound, .corpusNotFound, .predictionNotFound: return .notFound(e.description)
        default: return e.isInputError ? .badInput(e.description) : .store(e.description)
        }
    case let e as SoftmaxError:
        switch e {
        case .malformedClassWeights, .unknownLabelInClassWeights, .invalidParameter: return .usage(e.description)
        default: return .badInput(e.description)
        }
    case let e as FeatureConfigError:
        return .usage(e.description)
    case let e as ModelSizeError:
        return .badInput(e.description)
    case let e as AllocationError:
        return .store(e.description)
    case let e as ClassifierError:
        return .badInput(e.description)
    default:
        return CLIFailure(code: Exit.internalError, message: "internal error: \(error)")
    }
}

import ClassifierStore
import Foundation
import SentimentClassifier

/// Where `exportModel` writes a model file.
public enum ExportDestination: Equatable, Sendable {
    /// Standard output (refused when it is a terminal).
    case standardOutput
    /// A file: created, or with `replacing` an existing regular file replaced atomically. Never a directory,
    /// device, FIFO or socket, never a file of the open store; a symbolic link is written through.
    case file(path: String, replacing: Bool)

    /// `-` is standard output; any other text a path.
    public init(argument: String, replacing: Bool) {
        self = argument == "-" ? .standardOutput : .file(path: argument, replacing: replacing)
    }
}

extension SentimentService {
    /// Writes a model's portable file (checksum included).
    /// - Throws: `StoreError.modelNotFound`, `.checksumMismatch`, `OutputFileError`.
    @discardableResult
    public func exportModel(_ reference: ModelReference, to destination: ExportDestination) throws -> ModelInfo {
        let info = try withModelContext { try store.modelInfo(name: reference.name, version: reference.version) }
        let bytes = try store.exportData(name: info.name, version: info.version)
        switch destination {
        case .standardOutput:
            try OutputFile.writeStandardOutput(bytes)
        case let .file(path, replacing):
            try OutputFile.write(bytes, to: path, replacing: replacing, protected: store.files)
        }
        return info
    }
}

extension SentimentService {
    /// Adds a model from a portable file (checksum verified; identical content under the same name is not added
    /// twice). Only a regular file is read.
    /// - Throws: `StoreError.invalidModelFile`, `.cannotOpen`, `SentimentKitError.fileNotFound`.
    @discardableResult
    public func importModel(path: String) throws -> ModelInfo { try importModelFile(path: path).model }

    /// Adds a model from a portable file, saying what happened: the file's version is kept when this store never
    /// used it for that name, else the next one is given; content already stored under that name is not added.
    public func importModelFile(path: String) throws -> ModelImport {
        var fileVersion = 0
        var existing: ModelInfo? = nil
        let info = try importModel(path: path) { model in
            fileVersion = model.info.version
            existing = try store.models().first { $0.name == model.info.name && $0.checksum == model.info.checksum }
        }
        return ModelImport(model: info, fileVersion: fileVersion, alreadyStored: existing?.id == info.id)
    }

    private func importModel(path: String, inspect: (StoredModel) throws -> Void) throws -> ModelInfo {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SentimentKitError.fileNotFound(path)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        guard size <= Self.maxModelFileBytes else {
            throw StoreError.invalidModelFile(source: path, reason: "\(size) bytes, more than the \(Self.maxModelFileBytes >> 20) MiB a model file may have")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw StoreError.cannotOpen(path: path, reason: "cannot read model file")
        }
        return try store.importModel(data: [UInt8](data), source: path) {
            try Self.checkUsable($0, source: path)
            try inspect($0)
        }
    }

    /// Largest model file `importModel(path:)` reads.
    public static let maxModelFileBytes = 2 << 30

    /// Refuses a decoded model that could not predict (see `SentimentClassifier.init(stored:)`).
    static func checkUsable(_ model: StoredModel, source: String) throws {
        do {
            _ = try SentimentClassifier(stored: model)
        } catch let e as ClassifierError {
            throw StoreError.invalidModelFile(source: source, reason: "\(e)")
        }
    }
}

/// What `importModelFile` did.
public struct ModelImport: Sendable {
    /// The model as stored (the one already there when `alreadyStored`).
    public var model: ModelInfo
    /// The version the file carried.
    public var fileVersion: Int
    /// The same content was stored under that name already: nothing was added.
    public var alreadyStored: Bool
}

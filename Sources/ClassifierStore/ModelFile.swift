import Foundation
import StoreInterface
import GRDB

/// The portable single-file model format (deterministic: same model content → same bytes).
///
/// Layout:
/// 1. magic line `SENTIMENT-MODEL 1\n`
/// 2. a JSON header with sorted keys on one line, then `\n`: name, version, labels, featureConfig,
///    hyperparameters, tuning, metrics, temperature and payload descriptors (name, kind, shape, byteLength)
/// 3. the payload bytes in descriptor order (Float32 LE tensors, length-prefixed UTF-8 vocabulary)
/// 4. a 32-byte SHA-256 of everything before it.
///
/// Timestamps, database ids, status, lineage and corpora are not exported.
package enum ModelFile {
    package static let magic = Array("SENTIMENT-MODEL 1\n".utf8)
    static let magicPrefix = Array("SENTIMENT-MODEL ".utf8)
    static let formatVersion = 1

    package struct Descriptor: Codable, Equatable {
        package var name: String
        package var kind: String
        package var shape: [Int]
        package var byteLength: Int
        package init(name: String, kind: String, shape: [Int], byteLength: Int) {
            self.name = name
            self.kind = kind
            self.shape = shape
            self.byteLength = byteLength
        }
    }

    package struct Header: Codable, Equatable {
        package var name: String
        package var version: Int
        package var labels: [String]
        package var featureConfig: String
        package var hyperparameters: String
        package var tuning: String?
        package var metrics: String?
        package var temperature: Double
        package var payloads: [Descriptor]
        package init(name: String, version: Int, labels: [String], featureConfig: String, hyperparameters: String,
                     tuning: String?, metrics: String?, temperature: Double, payloads: [Descriptor]) {
            self.name = name
            self.version = version
            self.labels = labels
            self.featureConfig = featureConfig
            self.hyperparameters = hyperparameters
            self.tuning = tuning
            self.metrics = metrics
            self.temperature = temperature
            self.payloads = payloads
        }
    }

    package static func encode(header: Header, payloads: [EncodedPayload]) -> [UInt8] {
        var out = magic
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        out += Array((try? encoder.encode(header)) ?? Data())
        out.append(0x0a)
        for p in payloads { out += p.data }
        out += SHA256.hash(out)
        return out
    }

    package static func decode(_ bytes: [UInt8], source: String) throws -> (Header, [EncodedPayload]) {
        func fail(_ reason: String) -> StoreError { .invalidModelFile(source: source, reason: reason) }
        guard bytes.starts(with: magic) else {
            if bytes.starts(with: magicPrefix) {
                let line = bytes.dropFirst(magicPrefix.count).prefix(while: { $0 != 0x0a }).prefix(20)
                throw fail("unsupported format version \(String(decoding: line, as: UTF8.self)) (this build reads \(formatVersion))")
            }
            if bytes.count < magic.count && magic.starts(with: bytes) { throw fail("truncated (\(bytes.count) bytes)") }
            throw fail("not a sentiment model file (missing \"SENTIMENT-MODEL\" header)")
        }
        guard let newline = bytes[magic.count...].firstIndex(of: 0x0a) else {
            throw fail("truncated header (\(bytes.count) bytes)")
        }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[magic.count..<newline]))
        } catch {
            throw fail("corrupt header JSON")
        }
        var expected = newline + 1 + 32
        for d in header.payloads {
            guard d.byteLength >= 0, d.byteLength <= bytes.count else {
                throw fail("truncated: payload \(d.name) needs \(d.byteLength) bytes, file has \(bytes.count)")
            }
            expected += d.byteLength
        }
        guard bytes.count >= expected else {
            throw fail("truncated: expected \(expected) bytes, found \(bytes.count)")
        }
        guard bytes.count == expected else {
            throw fail("\(bytes.count - expected) unexpected bytes after the model")
        }
        let body = bytes.count - 32
        guard SHA256.hash(Array(bytes[0..<body])) == Array(bytes[body...]) else {
            throw fail("checksum mismatch (file is corrupted)")
        }
        var payloads: [EncodedPayload] = []
        var offset = newline + 1
        for d in header.payloads {
            payloads.append(EncodedPayload(name: d.name, kind: d.kind, shape: d.shape,
                                           data: Array(bytes[offset..<offset + d.byteLength])))
            offset += d.byteLength
        }
        guard payloads.map(\.name) == payloads.map(\.name).sorted(), Set(payloads.map(\.name)).count == payloads.count,
              ModelContent.decode(payloads) != nil else {
            throw fail("malformed payloads")
        }
        return (header, payloads)
    }
}

extension SentimentStore {
    /// The portable, deterministic bytes of a model (latest version when `version` is nil); checksum verified.
    public func exportData(name: String, version: Int? = nil) throws -> [UInt8] {
        try read { db in
            let info = try Self.findModel(db, name: name, version: version)
            let (content, featureConfig, hyper, tuning) = try Self.content(db, info: info)
            let header = ModelFile.Header(
                name: info.name, version: info.version, labels: info.labels, featureConfig: featureConfig,
                hyperparameters: hyper, tuning: tuning, metrics: info.metrics, temperature: info.temperature,
                payloads: content.payloads.map {
                    ModelFile.Descriptor(name: $0.name, kind: $0.kind, shape: $0.shape, byteLength: $0.data.count)
                })
            return ModelFile.encode(header: header, payloads: content.payloads)
        }
    }

    /// Imports a model from portable bytes (e.g. embedded in the binary); `source` names it in errors.
    ///
    /// If a model with the same name and identical content already exists, it is returned unchanged. Otherwise
    /// the file's version is kept when it was never used for that name, else the next version is assigned.
    /// The model becomes active when no model is active.
    @discardableResult
    public func importModel(data: [UInt8], source: String) throws -> ModelInfo {
        try importModel(data: data, source: source, accept: { _ in })
    }

    /// Imports portable bytes after `accept` has seen the decoded model (the application layer checks there that
    /// it can predict: shapes against the configuration, finite values); nothing is stored when it throws.
    @discardableResult
    public func importModel(data: [UInt8], source: String, accept: (StoredModel) throws -> Void) throws -> ModelInfo {
        let (header, content, model) = try ModelFile.read(data, source: source)
        try accept(model)
        let checksum = content.checksum
        return try write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM model WHERE name = ? AND checksum = ? ORDER BY version DESC LIMIT 1",
                                          arguments: [header.name, checksum]) {
                return try Self.modelInfo(row)
            }
            let version = try Self.nextVersion(db, name: header.name, requested: header.version)
            return try Self.insertModel(db, name: header.name, version: version, content: content,
                                        tuning: header.tuning, metrics: header.metrics, parentId: nil, activate: false)
        }
    }
}

extension ModelFile {
    /// A portable file read and checked as a store imports it: its header, the content to store, and the model as
    /// loading it after the import gives (id 0, inactive, without lineage or corpora).
    package static func read(_ data: [UInt8], source: String) throws -> (Header, ModelContent, StoredModel) {
        let (header, payloads) = try decode(data, source: source)
        try SentimentStore.validate(name: header.name, labels: header.labels, temperature: header.temperature)
        let content = ModelContent(labels: header.labels, featureConfig: header.featureConfig,
                                   hyperparameters: header.hyperparameters, temperature: header.temperature,
                                   payloads: payloads)
        guard let decoded = ModelContent.decode(payloads) else {
            throw StoreError.invalidModelFile(source: source, reason: "malformed payloads")
        }
        let info = ModelInfo(id: 0, name: header.name, version: max(1, min(header.version, ModelName.maxVersion)),
                             createdAt: Date(), parentId: nil, labels: header.labels, status: .inactive,
                             temperature: header.temperature, metrics: header.metrics, checksum: content.checksum)
        let model = StoredModel(info: info, featureConfig: header.featureConfig, hyperparameters: header.hyperparameters,
                                tuning: header.tuning, tensors: decoded.tensors, vocabulary: decoded.vocabulary,
                                corpusIds: [], runs: [])
        return (header, content, model)
    }
}

import HTTPTypes
import HummingbirdCore
import NIOCore
import Bytes
import CorpusIO
import Foundation
import Hummingbird
import SentimentKit
import SoftmaxRegression

// The routes' handlers: parse and check the request, call the application layer, write JSON. No use case
// lives here that the command line does not share.

extension SentimentServer {
    struct PredictBody: Decodable {
        var texts: [String]
        var model: String?
        var store: Bool?
        var explain: Bool?
    }

    func predict(_ request: Request) async throws -> Response {
        let body = try await Self.decode(PredictBody.self, request, limit: configuration.maxBodyBytes)
        if body.texts.count > configuration.maxTexts {
            throw APIError(.payloadTooLarge, "\(body.texts.count) texts in one request; the limit is \(configuration.maxTexts)")
        }
        for (i, text) in body.texts.enumerated() {
            if text.utf8.count > configuration.maxTextBytes {
                throw APIError(.payloadTooLarge, "texts[\(i)] is \(text.utf8.count) bytes; the limit is \(configuration.maxTextBytes)")
            }
            if text.allSatisfy(\.isWhitespace) { throw APIError.badRequest("texts[\(i)] is empty") }
            if text.utf8.contains(0) { throw APIError.badRequest("texts[\(i)] holds a NUL character (U+0000), which a stored text cannot") }
        }
        let reference = try body.model.map { try Self.modelReference($0, field: "model") }
        let (classifier, info) = try models.model(reference)
        let storing = body.store ?? true
        let batch = PredictionBatch(texts: body.texts, sources: .constant("api"))
        try await batch.predict(classifier, model: info, explain: body.explain ?? false,
                                storingThrough: storing ? committer : nil)
        metrics.predicted(stored: storing, count: batch.count)
        let json = PredictionJSON(labels: classifier.labels, model: info.reference)
        let out = Bytes.ByteBuffer(capacity: 256 + batch.count * 200)
        out.append("{\"model\":")
        out.append(jsonString(info.reference))
        out.append(",\"predictions\":[")
        for i in 0..<batch.count {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            json.append(batch, i, to: out)
        }
        out.append("]}\n")
        return JSONBody(out).response
    }

    func listPredictions(_ request: Request) throws -> Response {
        var query = try Self.predictionQuery(request)
        let parameters = request.uri.queryParameters
        let limit = try Self.integer(parameters, "limit", in: 1...1000) ?? 50
        // A cursor is the next page's offset within the snapshot of the first page (the predictions up to the
        // newest id then): predictions stored meanwhile do not shift the pages.
        var offset = 0
        if let cursor = parameters.get("cursor"), !cursor.isEmpty {
            let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 2, let n = Int(parts[0]), n >= 0, let m = Int64(parts[1]), m >= 0 else {
                throw APIError.badRequest("cursor: \"\(cursor)\" is not a cursor this server gave")
            }
            offset = n
            query.maxId = m
        } else {
            query.maxId = try service.store.latestPredictionId() ?? 0
        }
        if let order = parameters.get("order") {
            guard let o = PredictionQuery.Order(name: order) else {
                throw APIError.badRequest("order: \"\(order)\" is not one of newest, oldest, confidence-ascending, confidence-descending")
            }
            query.order = o
        }
        // One more than asked: whether another page follows.
        query.limit = limit + 1
        query.offset = offset
        let out = Bytes.ByteBuffer(capacity: 256 + min(limit, 100) * 300)
        out.append("{\"predictions\":[")
        let more = try service.appendPredictionPage(query, limit: limit, into: out) > limit
        out.append("],\"next_cursor\":")
        out.append(more ? jsonString("\(offset + limit).\(query.maxId ?? 0)") : "null")
        out.append("}\n")
        return JSONBody(out).response
    }

    func summary(_ request: Request) throws -> Response {
        let query = try Self.predictionQuery(request)
        let s = try service.summary(query)
        let days = try service.store.dailyCounts(query)
        return JSONBody(object: [
            "total": s.total, "by_label": s.byLabel, "by_model": s.byModel, "corrected": s.corrected,
            "uncorrected": s.uncorrected, "by_corrected_label": s.byCorrectedLabel,
            "by_day": days.map { ["day": $0.day, "by_label": $0.byLabel] as [String: Any] },
        ]).response
    }

    struct CorrectionBody: Decodable { var label: String }

    func correct(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.predictionId(context)
        let body = try await Self.decode(CorrectionBody.self, request, limit: 64 << 10)
        let p = try service.correct(prediction: id, label: body.label)
        return JSONBody(predictionInfo: p).response
    }

    func listModels() throws -> Response {
        let all = try service.store.models()
        let active = all.first { $0.status == .active }
        return JSONBody(object: ["models": try all.map(modelJSON), "active": active?.reference ?? NSNull()]).response
    }

    func showModel(_ context: BasicRequestContext) throws -> Response {
        let info = try modelInfo(context)
        var object = try modelJSON(info)
        object["evaluations"] = try service.store.evaluations(modelId: info.id).map { e -> [String: Any] in
            let corpus = e.corpusId.flatMap { try? service.store.corpus(id: $0).name }
            var item: [String: Any] = ["corpus": corpus ?? NSNull(), "created_at": isoTimestamp(e.createdAt)]
            if let report = try? JSONDecoder().decode(ClassificationReport.self, from: Data(e.metrics.utf8)) {
                item["rows"] = report.perClass.reduce(0) { $0 + $1.support }
                item["accuracy"] = report.accuracy
                item["macro_f1"] = report.macroF1
                item["log_loss"] = report.logLoss
                item["ece"] = report.ece
            }
            return item
        }
        return JSONBody(object: object).response
    }

    func activate(_ context: BasicRequestContext) throws -> Response {
        let reference = try Self.modelReference(context.parameters.get("ref") ?? "", field: "ref")
        let info = try service.withModelContext { try service.store.activate(name: reference.name, version: reference.version) }
        models.invalidate()
        return JSONBody(object: try modelJSON(info)).response
    }

    /// The model a `{ref}` path names: `name`, `name@v` or `active`.
    func modelInfo(_ context: BasicRequestContext) throws -> ModelInfo {
        let ref = context.parameters.get("ref") ?? ""
        if ref == "active" {
            guard let active = try service.store.activeModel() else { throw SentimentKitError.noActiveModel(store: service.store.path) }
            return active
        }
        let reference = try Self.modelReference(ref, field: "ref")
        return try service.withModelContext { try service.store.modelInfo(name: reference.name, version: reference.version) }
    }

    func modelJSON(_ m: ModelInfo) throws -> [String: Any] {
        let parent = try m.parentId.map { try service.store.modelInfo(id: $0).reference }
        return ["model": m.reference, "name": m.name, "version": m.version, "status": m.status.rawValue,
                "created_at": isoTimestamp(m.createdAt), "labels": m.labels, "checksum": m.checksum,
                "parent": parent ?? NSNull(), "cv_macro_f1": m.crossValidatedMacroF1 ?? NSNull()]
    }

    // MARK: evaluate and train: a corpus in the body, or a path the server may read

    struct CorpusBody: Decodable {
        var path: String?
        var model: String?
        var name: String?
        var from: String?
        var include_corrections: Bool?
        var activate: Bool?
    }

    /// The request's corpus as a file to read (an upload is written to a private temporary file, removed by
    /// `cleanup`), with the other fields from the JSON body or the query.
    func corpus(_ request: Request) async throws -> (path: String?, fields: CorpusBody, cleanup: @Sendable () -> Void) {
        let type = (request.headers[.contentType] ?? "").lowercased()
        let parameters = request.uri.queryParameters
        func flag(_ name: String) throws -> Bool? {
            guard let v = parameters.get(name) else { return nil }
            switch v.lowercased() {
            case "true", "1", "yes": return true
            case "false", "0", "no": return false
            default: throw APIError.badRequest("\(name): \"\(v)\" is not true or false")
            }
        }
        let format: CorpusFormat
        if type.hasPrefix("application/json") && !type.hasPrefix("application/jsonl") {
            let body = try await Self.decode(CorpusBody.self, request, limit: 64 << 10)
            guard let path = body.path else { return (nil, body, {}) }
            return (try allowedPath(path), body, {})
        } else if type.hasPrefix("text/csv") {
            format = .csv
        } else if type.hasPrefix("text/tab-separated-values") {
            format = .tsv
        } else if type.hasPrefix("application/x-ndjson") || type.hasPrefix("application/jsonl") {
            format = .jsonl
        } else {
            throw APIError.badRequest("Content-Type \"\(type)\": send the corpus as text/csv, text/tab-separated-values or application/x-ndjson, or application/json naming a path")
        }
        let fields = CorpusBody(path: nil, model: parameters.get("model"), name: parameters.get("name"),
                                from: parameters.get("from"), include_corrections: try flag("include_corrections"),
                                activate: try flag("activate"))
        let data = try await request.body.collect(upTo: configuration.maxBodyBytes)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sentiment-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        // The stored corpus is named after the file: the model's name, else "upload".
        let stem = fields.name.flatMap { ModelName.problem($0) == nil ? $0 : nil } ?? "upload"
        let file = directory.appendingPathComponent("\(stem).\(format.rawValue)")
        try Data(data.readableBytesView).write(to: file)
        return (file.path, fields, { try? FileManager.default.removeItem(at: directory) })
    }

    /// `path` when the server was started with `--allow-paths` and the file (symlinks resolved) lies inside.
    func allowedPath(_ path: String) throws -> String {
        guard !configuration.allowedPaths.isEmpty else {
            throw APIError.badRequest("path: this server reads no files by path (start it with --allow-paths DIR); send the corpus in the body")
        }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        for directory in configuration.allowedPaths {
            let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
            if resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") { return resolved }
        }
        throw APIError.badRequest("path: \(path) is outside the directories this server may read")
    }

    func evaluate(_ request: Request) async throws -> Response {
        let (path, fields, cleanup) = try await corpus(request)
        defer { cleanup() }
        guard let path else { throw APIError.badRequest("no corpus: send it in the body or name a path") }
        let reference = try fields.model.map { try Self.modelReference($0, field: "model") }
        let result = try service.evaluate(reference, corpus: path)
        var object = try JSONSerialization.jsonObject(with: Data(canonicalJSON(result.report).utf8)) as? [String: Any] ?? [:]
        object["model"] = result.model.reference
        object["corpus"] = fields.path ?? result.corpus.name
        object["rows"] = result.rows
        return JSONBody(object: object).response
    }

    func train(_ request: Request) async throws -> Response {
        let (path, fields, cleanup) = try await corpus(request)
        let parent = try fields.from.map { try Self.modelReference($0, field: "from") }
        guard path != nil || parent != nil else {
            cleanup()
            throw APIError.badRequest("no corpus and no from: send a corpus, name a path, or continue a model with from")
        }
        if path != nil && fields.name == nil && parent == nil {
            cleanup()
            throw APIError.badRequest("name: give the new model a name (or continue a model with from)")
        }
        let training = TrainingRequest(corpora: path.map { [$0] } ?? [], name: fields.name, parent: parent,
                                       includeCorrections: fields.include_corrections ?? false,
                                       activate: fields.activate ?? true)
        let job: TrainingJobs.Job
        do {
            job = try jobs.start(service, training) { [models] in
                cleanup()
                models.invalidate()
            }
        } catch {
            cleanup()
            throw error
        }
        return JSONBody(object: ["job": Self.jobJSON(job)], status: .accepted).response
    }

    static func jobJSON(_ job: TrainingJobs.Job) -> [String: Any] {
        [
            "id": job.id, "kind": "train", "status": job.status.rawValue, "created_at": isoTimestamp(job.createdAt),
            "started_at": job.startedAt.map(isoTimestamp) ?? NSNull(), "finished_at": job.finishedAt.map(isoTimestamp) ?? NSNull(),
            "progress": ["phase": job.phase, "fraction": job.fraction ?? NSNull()] as [String: Any],
            "model": job.model ?? NSNull(),
            "error": job.error.map { ["code": $0.code.rawValue, "message": $0.message] } ?? NSNull(),
            "warnings": job.warnings,
        ]
    }

    // MARK: parsing

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        let data = try await request.body.collect(upTo: limit)
        do {
            try data.withUnsafeReadableBytes { try StrictJSON.validate($0) }
        } catch let e as StrictJSON.Invalid {
            throw APIError.badRequest("the body is not valid JSON: \(e.problem) at byte \(e.offset)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(data.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.badRequest("the JSON body lacks \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            throw APIError.badRequest("the JSON body's \(path.hasPrefix(".") ? String(path.dropFirst()) : path) has the wrong type: \(context.debugDescription)")
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    static func predictionId(_ context: BasicRequestContext) throws -> Int64 {
        let text = context.parameters.get("id") ?? ""
        guard let id = Int64(text), id > 0 else { throw APIError.badRequest("\"\(text)\" is not a prediction id") }
        return id
    }

    static func modelReference(_ text: String, field: String) throws -> ModelReference {
        guard let reference = ModelReference(parsing: text) else {
            throw APIError.badRequest("\(field): \"\(text)\" is not a model (name or name@version)")
        }
        return reference
    }

    static func integer(_ parameters: FlatDictionary<Substring, Substring>, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters.get(name) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            throw APIError.badRequest("\(name): \"\(text)\" is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return n
    }

    /// The filters of `GET /v1/predictions` and `/summary`, as `sentiment predictions` reads its flags.
    static func predictionQuery(_ request: Request) throws -> PredictionQuery {
        let parameters = request.uri.queryParameters
        var q = PredictionQuery()
        func confidence(_ name: String) throws -> Double? {
            guard let text = parameters.get(name) else { return nil }
            guard let x = Double(text), x >= 0, x <= 1 else { throw APIError.badRequest("\(name): \"\(text)\" is not a number in 0…1") }
            return x
        }
        q.minConfidence = try confidence("min_confidence")
        q.maxConfidence = try confidence("max_confidence")
        if let label = parameters.get("label"), !label.isEmpty { q.label = label }
        if let model = parameters.get("model"), !model.isEmpty {
            let reference = try modelReference(model, field: "model")
            q.modelName = reference.name
            q.modelVersion = reference.version
        }
        if let search = parameters.get("search"), !search.allSatisfy(\.isWhitespace) { q.search = search }
        if let since = parameters.get("since"), !since.isEmpty { q.createdFrom = try date(since, "since").date }
        if let until = parameters.get("until"), !until.isEmpty { q.createdBefore = exclusiveEnd(try date(until, "until")) }
        if let corrected = parameters.get("corrected"), !corrected.isEmpty {
            switch corrected.lowercased() {
            case "true": q.corrected = true
            case "false": q.corrected = false
            default: throw APIError.badRequest("corrected: \"\(corrected)\" is not true or false")
            }
        }
        return q
    }

    static func date(_ text: String, _ name: String) throws -> (date: Date, dateOnly: Bool) {
        guard let parsed = parseTimestamp(text) else {
            throw APIError.badRequest("\(name): cannot read \"\(text)\" as a date (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)")
        }
        return parsed
    }
}

/// A JSON response body.
struct JSONBody: ResponseGenerator {
    let bytes: NIOCore.ByteBuffer
    var status: HTTPResponse.Status = .ok

    init(_ out: Bytes.ByteBuffer, status: HTTPResponse.Status = .ok) {
        bytes = NIOCore.ByteBuffer(bytes: out.bytes)
        self.status = status
    }

    init(_ text: String) { bytes = NIOCore.ByteBuffer(string: text + "\n") }

    init(predictionInfo p: PredictionInfo) {
        let out = Bytes.ByteBuffer()
        PredictionJSON.append(p, to: out)
        out.append(UInt8(ascii: "\n"))
        self.init(out)
    }

    /// A small object of dictionaries, arrays, strings, numbers and `NSNull`, with sorted keys.
    init(object: [String: Any], status: HTTPResponse.Status = .ok) {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        bytes = NIOCore.ByteBuffer(bytes: data + Data("\n".utf8))
        self.status = status
    }

    var response: Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: bytes))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

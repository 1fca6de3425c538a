import Bytes
import HTTPTypes
import HummingbirdCore
import NIOCore
import Foundation
import Hummingbird
import Logging
import SentimentKit
import ServiceLifecycle

/// `sentiment serve`: the application layer behind HTTP/JSON (docs/API.md), the review page, metrics.
///
/// One process, one store. Requests that store predictions go through one `GroupCommitter`, so concurrent small
/// requests share transactions; a request is answered once its rows are committed. On SIGTERM/SIGINT the server
/// stops accepting, finishes the requests in flight, commits what they stored, stops a running training at its
/// next phase boundary and returns.
public final class SentimentServer: Sendable {
    public let service: SentimentService
    public let configuration: ServerConfiguration
    let models: LoadedModels
    let committer: GroupCommitter
    let metrics: ServerMetrics
    let jobs = TrainingJobs()
    /// The start-up read of the prediction blocks (`warmUp()`), waited for before the store closes.
    let warming = DispatchGroup()

    public init(service: SentimentService, configuration: ServerConfiguration) {
        self.service = service
        self.configuration = configuration
        let metrics = ServerMetrics()
        self.metrics = metrics
        models = LoadedModels(service)
        committer = GroupCommitter(store: service.store, settings: configuration.groupCommit,
                                   report: { metrics.committed($0) })
    }

    /// Every route, in the order of docs/API.md.
    public static let routes: [Route] = [
        Route(method: .get, path: "/healthz"),
        Route(method: .get, path: "/"),
        Route(method: .get, path: "/openapi.json"),
        Route(method: .get, path: "/metrics"),
        Route(method: .post, path: "/v1/predict"),
        Route(method: .get, path: "/v1/predictions"),
        Route(method: .get, path: "/v1/predictions/summary"),
        Route(method: .get, path: "/v1/predictions/{id}"),
        Route(method: .post, path: "/v1/predictions/{id}/correction"),
        Route(method: .get, path: "/v1/models"),
        Route(method: .get, path: "/v1/models/{ref}"),
        Route(method: .post, path: "/v1/models/{ref}/activate"),
        Route(method: .post, path: "/v1/evaluate"),
        Route(method: .post, path: "/v1/train"),
        Route(method: .get, path: "/v1/jobs/{id}"),
    ]

    /// Serves until SIGTERM or SIGINT; `listening` gets the bound host and port once the server accepts.
    public func run(listening: @escaping @Sendable (String, Int) -> Void) async throws {
        var logger = Logger(label: "sentiment.serve")
        logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        let host = configuration.host
        let app = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "sentiment"),
            onServerRunning: { channel in listening(host, channel.localAddress?.port ?? 0) },
            logger: logger)
        defer { finish() }
        if configuration.warmsBlockCache { warmUp() }
        try await app.runService()
    }

    /// Reads every prediction block once on a thread of its own, so the first pages do not all read them from the
    /// store at once (32 connections missing the block cache together each copied the whole table's blocks).
    private func warmUp() {
        warming.enter()
        let thread = Thread { [service, warming] in
            _ = try? service.summary(PredictionQuery())
            warming.leave()
        }
        thread.name = "sentiment.warm-up"
        thread.start()
    }

    /// After the last request: commit what is pending, stop training, close the store.
    func finish() {
        warming.wait()
        committer.close()
        jobs.stop()
        try? service.store.close()
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // CORS outermost, so that error answers carry its headers too.
        if let origin = configuration.corsOrigin { router.middlewares.add(SingleOriginCORSMiddleware(origin: origin)) }
        router.middlewares.add(ErrorAndMetricsMiddleware(metrics: metrics, routes: Self.routes))

        router.get("/healthz") { _, _ in JSONBody(#"{"status":"ok"}"#) }
        router.get("/") { _, _ in Page.review }
        router.get("/openapi.json") { _, _ in Page.openAPI }
        router.get("/metrics") { [metrics] _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: NIOCore.ByteBuffer(bytes: metrics.text())))
        }

        let v1 = router.group("/v1").add(middleware: BearerTokenMiddleware(token: configuration.token))
        v1.post("/predict") { request, _ in try await self.predict(request) }
        v1.get("/predictions") { request, _ in try self.listPredictions(request) }
        v1.get("/predictions/summary") { request, _ in try self.summary(request) }
        v1.get("/predictions/{id}") { _, context in
            JSONBody(predictionInfo: try self.service.store.prediction(id: try Self.predictionId(context)))
        }
        v1.post("/predictions/{id}/correction") { request, context in try await self.correct(request, context) }
        v1.get("/models") { _, _ in try self.listModels() }
        v1.get("/models/{ref}") { _, context in try self.showModel(context) }
        v1.post("/models/{ref}/activate") { _, context in try self.activate(context) }
        v1.post("/evaluate") { request, _ in try await self.evaluate(request) }
        v1.post("/train") { request, _ in try await self.train(request) }
        v1.get("/jobs/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let job = self.jobs.job(id) else { throw APIError(.notFound, "no job \(id) (jobs are kept while the server runs)") }
            return JSONBody(object: ["job": Self.jobJSON(job)])
        }
        return router
    }
}

/// The page and the OpenAPI document, compiled into the binary.
enum Page {
    static let review: Response = {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        // The page's own inline script and style only; data reaches the DOM as text (see index.html).
        headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.referrerPolicyHeader] = "no-referrer"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers,
                        body: .init(byteBuffer: NIOCore.ByteBuffer(bytes: PackageResources.index_html)))
    }()
    static let openAPI = Response(status: .ok, headers: [.contentType: "application/json"],
                                  body: .init(byteBuffer: NIOCore.ByteBuffer(bytes: PackageResources.openapi_json)))
}

extension HTTPField.Name {
    static let xContentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicyHeader = Self("Referrer-Policy")!
}

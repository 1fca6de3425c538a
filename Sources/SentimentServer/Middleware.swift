import Bytes
import HTTPTypes
import HummingbirdCore
import NIOCore
import Foundation
import Hummingbird

/// Requires `Authorization: Bearer TOKEN` (compared in constant time) on every route below it.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    init(token: String) { self.token = Array(token.utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer ",
              Self.equal(Array(header.utf8.dropFirst(7)), token) else {
            throw APIError(.unauthorized, "missing or wrong bearer token (Authorization: Bearer TOKEN)")
        }
        return try await next(request, context)
    }

    /// Equal bytes, in time that depends on the lengths only, never on where they differ.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<b.count { difference |= (i < a.count ? a[i] : 0) ^ b[i] }
        return difference == 0 && a.count == b.count
    }
}

/// Turns every error into the API's JSON error (and a known path asked with another method into 405), and counts
/// requests and their latency.
struct ErrorAndMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    static var knownMethods: Set<HTTPRequest.Method> { [.get, .post, .put, .delete, .head, .options, .patch] }
    let metrics: ServerMetrics
    /// The routes, to tell "no such path" (404) from "not with this method" (405).
    let routes: [Route]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        var route = "unmatched"
        do {
            response = try await next(request, context)
            route = context.endpointPath ?? route
        } catch {
            var api = APIError(error)
            if api.code == .notFound, case let e as HTTPError = error, e.status == .notFound {
                let path = request.uri.path
                let methods = routes.filter { $0.matches(path) }.map(\.method)
                if !methods.isEmpty {
                    api = APIError(.methodNotAllowed, "\(request.method) is not allowed on \(path) (allowed: \(methods.map(\.rawValue).joined(separator: ", ")))")
                } else {
                    api = APIError(.notFound, "no route \(request.method) \(path)")
                }
            }
            response = api.response
            route = context.endpointPath ?? route
        }
        // Only the methods the API knows become label values: a client's made-up methods must not grow the registry.
        let method = Self.knownMethods.contains(request.method) ? request.method.rawValue : "other"
        metrics.request(route: route, method: method, status: Int(response.status.code),
                        seconds: (ContinuousClock.now - start).seconds)
        return response
    }
}

/// CORS for the one configured origin.
struct SingleOriginCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origin: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.origin] == origin else { return try await next(request, context) }
        var response: Response
        if request.method == .options {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}

/// One route of the API: method and path pattern (`{id}` parameters), for 405s and the OpenAPI check.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    public var method: HTTPRequest.Method
    public var path: String
    public var description: String { "\(method.rawValue) \(path)" }

    func matches(_ concrete: String) -> Bool {
        let a = path.split(separator: "/", omittingEmptySubsequences: true)
        let b = concrete.split(separator: "/", omittingEmptySubsequences: true)
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { p, c in p.hasPrefix("{") || p == c }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

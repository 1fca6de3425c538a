import Bytes
import HTTPTypes
import HummingbirdCore
import NIOCore
import Foundation
import Hummingbird
import SentimentKit

/// An error as the API answers it: `{"error": {"code": …, "message": …}}` with its status.
struct APIError: Error, CustomStringConvertible {
    enum Code: String {
        case badRequest = "bad_request", unauthorized, notFound = "not_found", methodNotAllowed = "method_not_allowed"
        case conflict, payloadTooLarge = "payload_too_large", storeBusy = "store_busy", internalError = "internal"

        var status: HTTPResponse.Status {
            switch self {
            case .badRequest: .badRequest
            case .unauthorized: .unauthorized
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict: .conflict
            case .payloadTooLarge: .contentTooLarge
            case .storeBusy: .serviceUnavailable
            case .internalError: .internalServerError
            }
        }
    }

    var code: Code
    var message: String
    var description: String { message }

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }

    /// What any error thrown below a route means for the caller.
    init(_ error: any Error) {
        switch error {
        case let e as APIError: self = e
        case is NIOTooManyBytesError: self.init(.payloadTooLarge, "the request body is larger than the server's limit")
        case let e as HTTPError:
            switch e.status {
            case .notFound: self.init(.notFound, e.body ?? "no such route")
            case .contentTooLarge: self.init(.payloadTooLarge, e.body ?? "the request is too large")
            case .methodNotAllowed: self.init(.methodNotAllowed, e.body ?? "method not allowed")
            case .unauthorized: self.init(.unauthorized, e.body ?? "missing or wrong bearer token")
            default: self.init(e.status.code < 500 ? .badRequest : .internalError, e.body ?? e.status.reasonPhrase)
            }
        case let e as ModelNotFound: self.init(.notFound, e.description)
        case let e as StoreError:
            switch e {
            case .modelNotFound, .predictionNotFound, .corpusNotFound: self.init(.notFound, e.description)
            case _ where e.isBusy: self.init(.storeBusy, "the store is busy (another process holds its write lock); retry later")
            case .invalidSearch, .invalidValue, .invalidModelFile: self.init(.badRequest, e.description)
            default: self.init(.internalError, e.description)
            }
        case let e as SentimentKitError:
            if case .noActiveModel = e { self.init(.notFound, e.description) } else { self.init(.badRequest, e.description) }
        case is GroupCommitter.Closed: self.init(.storeBusy, "the server is shutting down; retry elsewhere or later")
        case let e as CustomStringConvertible: self.init(.badRequest, e.description)
        default: self.init(.internalError, String(describing: error))
        }
    }

    var response: Response {
        let out = Bytes.ByteBuffer()
        out.append("{\"error\":{\"code\":")
        out.append(jsonString(code.rawValue))
        out.append(",\"message\":")
        out.append(jsonString(message))
        out.append("}}\n")
        var response = JSONBody(out, status: code.status).response
        if code == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

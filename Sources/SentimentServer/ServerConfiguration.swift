import Foundation
import SentimentKit

/// How `sentiment serve` listens, who may call it and how much one request may ask.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port (the chosen one is reported once listening).
    public var port = 8080
    /// The bearer token every `/v1` route requires.
    public var token: String
    /// Directories whose files `evaluate` and `train` may read by path; none by default.
    public var allowedPaths: [String] = []
    /// The one origin allowed cross-origin calls; none by default.
    public var corsOrigin: String? = nil
    public var maxBodyBytes = 32 << 20
    public var maxTexts = 10_000
    public var maxTextBytes = 65_536
    public var groupCommit = GroupCommitter.Settings()
    /// Read every prediction block once at start, filling the store's block cache (false when it keeps none: the
    /// read would fill nothing).
    public var warmsBlockCache = true

    public init(token: String) {
        self.token = token
    }
}

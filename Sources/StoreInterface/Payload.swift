import Foundation

/// A named dense array of Float32 values with its shape (row-major).
public struct Tensor: Codable, Equatable, Sendable {
    public var shape: [Int]
    public var values: [Float]
    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }
}

import Bytes

/// The store's bulk inserts lay values out in the product's one byte buffer.
typealias ByteScratch = ByteBuffer

extension ByteBuffer {
    /// `v.description` (the shortest form that reads back as the same Float32), as the store has always written
    /// probabilities.
    @inline(__always)
    func append(_ v: Float) {
        var s = v.description
        s.withUTF8 { append($0) }
    }

    var buffer: UnsafeBufferPointer<UInt8> { bytes }
}

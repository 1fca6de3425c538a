import Foundation
import StoreInterface

/// Binary encodings of model payloads: tensors as Float32 little-endian, string lists length-prefixed.
package enum PayloadCodec {
    package static let floatKind = "float32"
    package static let stringsKind = "strings"
    package static let vocabularyName = "vocabulary"

    /// Float32 little-endian bytes.
    package static func encode(_ values: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: values.count * 4)
        out.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { src in
                for i in 0..<src.count {
                    raw.storeBytes(of: src[i].bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                }
            }
        }
        return out
    }

    package static func decodeFloats(_ bytes: [UInt8]) -> [Float]? {
        guard bytes.count % 4 == 0 else { return nil }
        let n = bytes.count / 4
        var out = [Float](repeating: 0, count: n)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    dst[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            }
        }
        return out
    }

    /// Each string as a LEB128 byte length followed by its UTF-8 bytes.
    package static func encode(strings: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(strings.count * 8)
        for s in strings {
            var n = s.utf8.count
            repeat {
                var byte = UInt8(n & 0x7f)
                n >>= 7
                if n > 0 { byte |= 0x80 }
                out.append(byte)
            } while n > 0
            out.append(contentsOf: s.utf8)
        }
        return out
    }

    package static func decodeStrings(_ bytes: [UInt8]) -> [String]? {
        var out: [String] = []
        var i = 0
        while i < bytes.count {
            var n = 0, shift = 0
            while true {
                guard i < bytes.count, shift < 56 else { return nil }
                let b = bytes[i]; i += 1
                n |= Int(b & 0x7f) << shift
                shift += 7
                if b & 0x80 == 0 { break }
            }
            guard n <= bytes.count - i else { return nil }
            out.append(String(decoding: bytes[i..<i + n], as: UTF8.self))
            i += n
        }
        return out
    }

    package static func shapeText(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ",") + "]"
    }

    package static func parseShape(_ text: String) -> [Int]? {
        guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty { return [] }
        var out: [Int] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Int(part), v >= 0 else { return nil }
            out.append(v)
        }
        return out
    }

    package static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (r, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = r
        }
        return n
    }
}

/// One encoded payload of a model (tensor or vocabulary), as stored.
package struct EncodedPayload: Equatable {
    package var name: String
    package var kind: String
    package var shape: [Int]
    package var data: [UInt8]
    package init(name: String, kind: String, shape: [Int], data: [UInt8]) {
        self.name = name
        self.kind = kind
        self.shape = shape
        self.data = data
    }
}

/// The parts of a model its checksum covers: everything needed to predict.
package struct ModelContent {
    package var labels: [String]
    package var featureConfig: String
    package var hyperparameters: String
    package var temperature: Double
    /// Sorted by name.
    package var payloads: [EncodedPayload]

    package init(labels: [String], featureConfig: String, hyperparameters: String, temperature: Double,
                 payloads: [EncodedPayload]) {
        self.labels = labels
        self.featureConfig = featureConfig
        self.hyperparameters = hyperparameters
        self.temperature = temperature
        self.payloads = payloads
    }

    /// Encodes tensors and vocabulary; validates shapes.
    package static func payloads(tensors: [String: Tensor], vocabulary: [String]) throws -> [EncodedPayload] {
        var out: [EncodedPayload] = []
        for (name, t) in tensors {
            guard !name.isEmpty, name != PayloadCodec.vocabularyName else {
                throw StoreError.invalidValue("tensor name \"\(name)\" is reserved or empty")
            }
            guard let n = PayloadCodec.elementCount(t.shape), n == t.values.count else {
                throw StoreError.invalidValue("tensor \(name): shape \(t.shape) does not match \(t.values.count) values")
            }
            out.append(EncodedPayload(name: name, kind: PayloadCodec.floatKind, shape: t.shape,
                                      data: PayloadCodec.encode(t.values)))
        }
        out.append(EncodedPayload(name: PayloadCodec.vocabularyName, kind: PayloadCodec.stringsKind,
                                  shape: [vocabulary.count], data: PayloadCodec.encode(strings: vocabulary)))
        return out.sorted { $0.name < $1.name }
    }

    /// Decodes payloads back into tensors and vocabulary; nil if a payload is malformed.
    package static func decode(_ payloads: [EncodedPayload]) -> (tensors: [String: Tensor], vocabulary: [String])? {
        var tensors: [String: Tensor] = [:]
        var vocabulary: [String] = []
        for p in payloads {
            switch p.kind {
            case PayloadCodec.floatKind:
                guard let values = PayloadCodec.decodeFloats(p.data),
                      PayloadCodec.elementCount(p.shape) == values.count else { return nil }
                tensors[p.name] = Tensor(shape: p.shape, values: values)
            case PayloadCodec.stringsKind:
                guard p.name == PayloadCodec.vocabularyName, let strings = PayloadCodec.decodeStrings(p.data),
                      p.shape == [strings.count] else { return nil }
                vocabulary = strings
            default:
                return nil
            }
        }
        return (tensors, vocabulary)
    }

    /// Hex SHA-256 over labels, configs, temperature and every payload, each field length-prefixed.
    package var checksum: String {
        var h = SHA256()
        func field(_ bytes: [UInt8]) {
            var n = UInt64(bytes.count).littleEndian
            withUnsafeBytes(of: &n) { h.update($0) }
            h.update(bytes)
        }
        func field(_ s: String) { field(Array(s.utf8)) }
        field("sentiment-model-checksum-1")
        field(PayloadCodec.encode(strings: labels))
        field(featureConfig)
        field(hyperparameters)
        var t = temperature.bitPattern.littleEndian
        withUnsafeBytes(of: &t) { h.update($0) }
        for p in payloads {
            field(p.name)
            field(p.kind)
            field(PayloadCodec.shapeText(p.shape))
            field(p.data)
        }
        return SHA256.hexString(h.finalize())
    }
}

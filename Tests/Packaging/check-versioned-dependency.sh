#!/usr/bin/env bash
# Checks that another package can depend on this one by version (SwiftPM refuses unsafe flags there): tags a clone
# of HEAD, builds a small consumer of SentimentKit in release mode and runs it (predict and store two headlines).
# Usage: bash Tests/Packaging/check-versioned-dependency.sh [WORKDIR]   (takes a few minutes: a full release build)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-$(mktemp -d)}"
rm -rf "$work/sentiment" "$work/consumer"
git clone -q "$repo" "$work/sentiment"
git -C "$work/sentiment" tag 99.0.0
mkdir -p "$work/consumer/Sources/consumer"
cat > "$work/consumer/Package.swift" <<PKG
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$work/sentiment", from: "99.0.0")],
    targets: [.executableTarget(name: "consumer", dependencies: [.product(name: "SentimentKit", package: "sentiment")])]
)
PKG
cat > "$work/consumer/Sources/consumer/main.swift" <<'SWIFT'
import Foundation
import SentimentKit

let path = NSTemporaryDirectory() + "consumer-\(getpid()).sqlite"
defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
let service = try SentimentService(opening: StoreLocation(path: path))
let predictor = try service.predictor(nil)
let results = CollectedPredictions()
try predictor.predict(["Shares soar after record profit", "Factory closes and 300 jobs are cut"], source: "consumer", into: results)
for batch in results.batches {
    for i in 0..<batch.count { print(batch.ids![i], predictor.labels[batch.labelIndices[i]], batch.texts[i]) }
}
precondition(try service.summary(PredictionQuery()).total == 2)
print("ok: built against sentiment by version and stored 2 predictions")
SWIFT
cd "$work/consumer"
swift build -c release
.build/release/consumer

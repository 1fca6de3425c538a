// A program that imports the application layer sees the values it takes and returns (models, corpora,
// predictions, queries) without importing the store's interface module too.
@_exported import StoreInterface

/// SQLite's `date(seconds, 'unixepoch')`, computed in Swift exactly as SQLite's date.c does (rounding to the
/// millisecond, its Julian-day arithmetic and its range), so daily counts read from the prediction blocks name the
/// same days as the SQL over the table.
enum SQLiteDate {
    /// The Julian day number of `seconds` since 1970, or nil where SQLite's `date()` gives NULL.
    static func julianDay(unixSeconds seconds: Double) -> Int64? {
        let r = seconds * 1000.0 + 210_866_760_000_000.0
        guard r >= 0.0 && r < 464_269_060_800_000.0 else { return nil }
        let iJD = Int64(r + 0.5)
        return (iJD + 43_200_000) / 86_400_000
    }

    /// "YYYY-MM-DD" of a Julian day number.
    static func text(julianDay z: Int64) -> String {
        let Z = Int(z)
        var A = Int((Double(Z) - 1867216.25) / 36524.25)
        A = Z + 1 + A - (A / 4)
        let B = A + 1524
        let C = Int((Double(B) - 122.1) / 365.25)
        let D = (36525 * (C & 32767)) / 100
        let E = Int(Double(B - D) / 30.6001)
        let X1 = Int(30.6001 * Double(E))
        let day = B - D - X1
        let month = E < 14 ? E - 1 : E - 13
        let year = month > 2 ? C - 4716 : C - 4715
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return (year < 0 ? "-" : "") + pad(abs(year), 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }
}

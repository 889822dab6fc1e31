/// A 5-field cron schedule (`minute hour day-of-month month day-of-week`), evaluated in UTC, as
/// Vixie cron and Airflow read it: `*`, values, ranges `a-b`, steps `*/n`, `a-b/n` and `a/n`, lists
/// `a,b-c`, three-letter month and day names, day-of-week 0–7 (0 and 7 are Sunday). When both
/// day fields are restricted, a day matches if either does (cron's rule). Pure: no clock.
public struct CronSchedule: Sendable, Equatable, Codable, CustomStringConvertible {
    public let text: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { text }

    /// The fields in order: name, range, value names (index = value − first).
    static let fields: [(name: String, range: ClosedRange<Int>, names: [String])] = [
        ("minute", 0...59, []),
        ("hour", 0...23, []),
        ("day-of-month", 1...31, []),
        ("month", 1...12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        ("day-of-week", 0...7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ]

    public static func parse(_ text: String) throws(CronError) -> CronSchedule {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard parts.count == 5 else {
            throw CronError(field: "", text: text, message: "needs 5 fields (minute hour day-of-month month day-of-week), got \(parts.count); e.g. \"0 3 * * *\" is 03:00 UTC every day")
        }
        var sets: [Set<Int>] = []
        for (i, part) in parts.enumerated() {
            sets.append(try Self.field(part, Self.fields[i].name, range: Self.fields[i].range, names: Self.fields[i].names))
        }
        let dow = Set(sets[4].map { $0 == 7 ? 0 : $0 })
        let schedule = CronSchedule(text: parts.joined(separator: " "), minutes: sets[0], hours: sets[1], daysOfMonth: sets[2],
                                    months: sets[3], daysOfWeek: dow,
                                    dayOfMonthRestricted: !parts[2].hasPrefix("*"), dayOfWeekRestricted: !parts[4].hasPrefix("*"))
        guard schedule.next(afterMs: 0) != nil else {
            throw CronError(field: "day-of-month", text: parts[2], message: "never matches a real date in month \(parts[3]) (e.g. 30 or 31 February); pick a day that exists")
        }
        return schedule
    }

    /// One field: a comma list of `*`, `N`, `A-B`, each optionally `/STEP`.
    static func field(_ text: String, _ name: String, range: ClosedRange<Int>, names: [String]) throws(CronError) -> Set<Int> {
        var out: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            func fail(_ message: String) -> CronError { CronError(field: name, text: text, message: message) }
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw fail("'\(item)' has more than one '/'; a step looks like */15 or 0-30/5") }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n >= 1, n <= range.upperBound else {
                    throw fail("step '\(pieces[1])' in '\(item)' must be a whole number from 1 to \(range.upperBound)")
                }
                step = n
            }
            let base = pieces[0]
            var low = range.lowerBound, high = range.upperBound
            if base == "*" {
                // every value (with the step)
            } else if base.contains("-") {
                let ends = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard ends.count == 2 else { throw fail("'\(base)' is not a range; a range looks like 1-5") }
                low = try value(ends[0], name, range: range, names: names, item: item)
                high = try value(ends[1], name, range: range, names: names, item: item)
                guard low <= high else { throw fail("range '\(base)' runs backwards; write the smaller value first") }
            } else {
                low = try value(base, name, range: range, names: names, item: item)
                // `a/n` means a, a+n, … up to the field's end; a value alone means itself.
                high = pieces.count == 2 ? range.upperBound : low
            }
            out.formUnion(stride(from: low, through: high, by: step))
        }
        return out
    }

    static func value(_ text: String, _ name: String, range: ClosedRange<Int>, names: [String], item: String) throws(CronError) -> Int {
        if let i = names.firstIndex(of: text.lowercased()) { return range.lowerBound == 0 ? i : i + 1 }
        guard let v = Int(text), range.contains(v) else {
            let spelled = names.isEmpty ? "" : " or a name (\(names.first!)–\(names.last!))"
            throw CronError(field: name, text: item, message: "'\(text)' is not a valid \(name); use \(range.lowerBound)–\(range.upperBound)\(spelled), *, a range a-b, a step */n or a list")
        }
        return v
    }

    /// Whether the minute starting at `minute` (minutes since 1970-01-01 UTC) is scheduled.
    func matches(minute: Int64) -> Bool {
        let day = Self.floorDiv(minute, 1440)
        let (_, month, dayOfMonth) = Self.civil(day: day)
        let inDay = minute - day * 1440
        return months.contains(month) && dayMatches(dayOfMonth, weekday: Self.weekday(day: day))
            && hours.contains(Int(inDay / 60)) && minutes.contains(Int(inDay % 60))
    }

    func dayMatches(_ dayOfMonth: Int, weekday: Int) -> Bool {
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): daysOfMonth.contains(dayOfMonth) || daysOfWeek.contains(weekday)
        case (true, false): daysOfMonth.contains(dayOfMonth)
        case (false, true): daysOfWeek.contains(weekday)
        case (false, false): true
        }
    }

    /// The first scheduled instant strictly after `afterMs` (ms since the epoch, UTC), or nil when
    /// none comes within 28 years (the leap-day-and-weekday cycle).
    public func next(afterMs: Int64) -> Int64? {
        var minute = Self.floorDiv(afterMs, 60_000) + 1
        let limit = minute + 28 * 366 * 1440
        while minute < limit {
            let day = Self.floorDiv(minute, 1440)
            let (_, month, dayOfMonth) = Self.civil(day: day)
            if !months.contains(month) || !dayMatches(dayOfMonth, weekday: Self.weekday(day: day)) {
                minute = (day + 1) * 1440
                continue
            }
            let inDay = minute - day * 1440
            if !hours.contains(Int(inDay / 60)) {
                minute = day * 1440 + (inDay / 60 + 1) * 60
                continue
            }
            if minutes.contains(Int(inDay % 60)) { return minute * 60_000 }
            minute += 1
        }
        return nil
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// 0 = Sunday; 1970-01-01 was a Thursday.
    static func weekday(day: Int64) -> Int { Int(((day % 7) + 11) % 7) }

    /// Year, month, day of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`).
    static func civil(day: Int64) -> (Int64, Int, Int) {
        let z = day + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}

/// A cron field that cannot be read: which field, its text and what is allowed.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `minute`, `hour`, `day-of-month`, `month`, `day-of-week`, or empty for the whole text.
    public var field: String
    public var text: String
    public var message: String

    public var description: String { field.isEmpty ? message : "\(field) field '\(text)': \(message)" }
}

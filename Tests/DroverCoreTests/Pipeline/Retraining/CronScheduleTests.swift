@testable import DroverCore
import Foundation
import Testing

/// Milliseconds since the epoch of a UTC time written `2026-12-01T03:00:00Z`.
func utc(_ text: String) -> Int64 {
    Int64(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970 * 1000)
}

@Suite("Cron schedules: 5 fields, UTC")
struct CronScheduleTests {
    func next(_ cron: String, after: String) throws -> String? {
        let schedule = try CronSchedule.parse(cron)
        return schedule.next(afterMs: utc(after)).map(RetrainingTrigger.isoMinute)
    }

    @Test("`*` in every field is every minute; the next instant is strictly after")
    func everyMinute() throws {
        #expect(try next("* * * * *", after: "2026-11-30T21:05:00Z") == "2026-11-30T21:06Z")
        #expect(try next("* * * * *", after: "2026-11-30T21:05:59Z") == "2026-11-30T21:06Z")
    }

    @Test("a daily time: 03:00 UTC today if still ahead, else tomorrow")
    func daily() throws {
        #expect(try next("0 3 * * *", after: "2026-12-01T02:59:00Z") == "2026-12-01T03:00Z")
        #expect(try next("0 3 * * *", after: "2026-12-01T03:00:00Z") == "2026-12-02T03:00Z")
        #expect(try next("0 3 * * *", after: "2026-12-31T04:00:00Z") == "2027-01-01T03:00Z")
    }

    @Test("steps, ranges, lists and ranges with steps")
    func stepsRangesLists() throws {
        let s = try CronSchedule.parse("*/15 9-17/4 * * *")
        #expect(s.minutes == [0, 15, 30, 45] && s.hours == [9, 13, 17])
        let l = try CronSchedule.parse("5,10-12 0 1,15 * *")
        #expect(l.minutes == [5, 10, 11, 12] && l.daysOfMonth == [1, 15])
        #expect(try CronSchedule.parse("10/20 * * * *").minutes == [10, 30, 50])
        #expect(try next("30 */6 * * *", after: "2026-12-01T06:30:00Z") == "2026-12-01T12:30Z")
    }

    @Test("day of week: names, 0 and 7 are Sunday; both day fields restricted match either")
    func weekdays() throws {
        // 2026-12-01 is a Tuesday.
        #expect(try next("0 0 * * sun", after: "2026-12-01T00:00:00Z") == "2026-12-06T00:00Z")
        #expect(try next("0 0 * * 7", after: "2026-12-01T00:00:00Z") == "2026-12-06T00:00Z")
        #expect(try next("0 0 * * mon-fri", after: "2026-12-04T12:00:00Z") == "2026-12-07T00:00Z")
        #expect(try next("0 0 25 * 0", after: "2026-12-01T00:00:00Z") == "2026-12-06T00:00Z")
        #expect(try next("0 0 25 * 0", after: "2026-12-20T00:00:00Z") == "2026-12-25T00:00Z")
        #expect(try next("0 12 1 jan *", after: "2026-12-01T00:00:00Z") == "2027-01-01T12:00Z")
    }

    @Test("leap days: 29 February comes every four years")
    func leapDay() throws {
        #expect(try next("0 0 29 2 *", after: "2026-12-01T00:00:00Z") == "2028-02-29T00:00Z")
    }

    @Test("invalid fields name the field, the text and what is allowed", arguments: [
        ("0 3 * *", "needs 5 fields"),
        ("60 * * * *", "minute field '60'"),
        ("* 24 * * *", "hour field '24'"),
        ("* * 0 * *", "day-of-month field '0'"),
        ("* * * 13 *", "month field '13'"),
        ("* * * * 8", "day-of-week field '8'"),
        ("*/0 * * * *", "step '0'"),
        ("5-1 * * * *", "runs backwards"),
        ("a * * * *", "'a' is not a valid minute"),
        ("1,,2 * * * *", "minute field"),
        ("*/5/2 * * * *", "more than one '/'"),
        ("0 0 31 2 *", "never matches"),
    ])
    func invalid(_ cron: String, _ expected: String) {
        #expect(throws: CronError.self) { try CronSchedule.parse(cron) }
        do {
            _ = try CronSchedule.parse(cron)
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}

@testable import DroverCoordinator
import Testing

@Suite("Failpoints (test-only fault injection)")
struct FailpointTests {
    @Test("DROVER_FAILPOINT parses name:value pairs and ignores malformed parts")
    func parse() {
        #expect(Failpoint.parse("crash-after-commit:3,fail-commit:2,bogus,crash-in-snapshot:renamed")
            == ["crash-after-commit": "3", "fail-commit": "2", "crash-in-snapshot": "renamed"])
        #expect(Failpoint.parse(nil).isEmpty)
        #expect(Failpoint(environment: "crash-in-snapshot:written").crashInSnapshot == "written")
        #expect(Failpoint(environment: nil).crashInSnapshot == nil)
    }
}

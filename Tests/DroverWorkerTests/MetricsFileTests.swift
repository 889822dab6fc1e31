import DroverWorker
import Foundation
import Testing

@Suite("MetricsFile: the final metric set, the usual lines read without a JSON parser")
struct MetricsFileTests {
    @Test("usual lines, unusual lines and garbage give the same metric set and counts as before")
    func mixed() {
        var file = MetricsFile()
        file.parse(Data("""
        {"metric":"loss","value":0.5,"step":1}
        { "value" : 0.25 , "metric" : "loss" }
        {"metric":"lo\\"ss","value":3}
        {"metric":"acc","value":0.9,"note":"an extra key"}
        {"param":"lr","value":0.1}
        {"metric":"\(String(repeating: "m", count: 257))","value":1}
        {"metric":"inf","value":1e400}
        {"metric":"bad","value":1,"step":"x"}
        {"metric":"bool","value":true}

        not json
        """.utf8))
        #expect(file.metrics == ["loss": 0.25, "lo\"ss": 3, "acc": 0.9])
        #expect(file.params == ["lr": "0.1"])
        #expect(file.points == 4)
        #expect(file.garbageLines == 5)
        #expect(file.firstGarbage == "line 6: metric name empty or longer than 256 characters")
    }
}

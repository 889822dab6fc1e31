/// One boosted tree. Internal nodes send a row left when `value ≤ threshold` on `feature`;
/// leaves (`feature == -1`) hold the (learning-rate-scaled) output.
public struct RegressionTree: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var feature: Int
        public var threshold: Double
        public var left: Int
        public var right: Int
        public var value: Double

        public static func leaf(_ value: Double) -> Node {
            Node(feature: -1, threshold: 0, left: -1, right: -1, value: value)
        }
    }

    public var nodes: [Node]

    /// The output for row `r` of a column-major matrix with `n` rows.
    @inlinable public func predict(_ x: UnsafePointer<Double>, row r: Int, rows n: Int) -> Double {
        var i = 0
        while true {
            let node = nodes[i]
            if node.feature < 0 { return node.value }
            i = x[node.feature * n + r] <= node.threshold ? node.left : node.right
        }
    }
}

/// One boosted tree. Leaves (`feature == -1`) hold the (learning-rate-scaled) output.
///
/// Numeric nodes send a row left when `value ≤ threshold`, and NaN the learned way
/// (`missingLeft`). Categorical nodes send a row left when its category code is in the node's
/// bitset (`categoryCount` words of `categoryWords` from `categoryStart`, LightGBM's
/// `cat_threshold`); NaN, negative and unlisted (unseen or rare) codes go right.
public struct RegressionTree: Codable, Sendable, Equatable {
    public struct Node: Codable, Sendable, Equatable {
        public var feature: Int
        public var threshold: Double
        public var left: Int
        public var right: Int
        public var value: Double
        public var missingLeft = false
        public var categoryStart = 0
        public var categoryCount = 0

        public init(feature: Int, threshold: Double, left: Int, right: Int, value: Double,
                    missingLeft: Bool = false, categoryStart: Int = 0, categoryCount: Int = 0) {
            (self.feature, self.threshold, self.left, self.right, self.value) = (feature, threshold, left, right, value)
            (self.missingLeft, self.categoryStart, self.categoryCount) = (missingLeft, categoryStart, categoryCount)
        }

        public static func leaf(_ value: Double) -> Node {
            Node(feature: -1, threshold: 0, left: -1, right: -1, value: value)
        }

        private enum CodingKeys: String, CodingKey {
            case feature, threshold, left, right, value, missingLeft, categoryStart, categoryCount
        }

        /// Models written before missing-value directions and categorical splits have neither
        /// key: their NaNs were imputed before reaching a tree, and `NaN ≤ t` went right.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            feature = try c.decode(Int.self, forKey: .feature)
            threshold = try c.decode(Double.self, forKey: .threshold)
            left = try c.decode(Int.self, forKey: .left)
            right = try c.decode(Int.self, forKey: .right)
            value = try c.decode(Double.self, forKey: .value)
            missingLeft = try c.decodeIfPresent(Bool.self, forKey: .missingLeft) ?? false
            categoryStart = try c.decodeIfPresent(Int.self, forKey: .categoryStart) ?? 0
            categoryCount = try c.decodeIfPresent(Int.self, forKey: .categoryCount) ?? 0
        }

        /// Only the keys that apply, so numeric trees read as before.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(feature, forKey: .feature)
            try c.encode(threshold, forKey: .threshold)
            try c.encode(left, forKey: .left)
            try c.encode(right, forKey: .right)
            try c.encode(value, forKey: .value)
            if missingLeft { try c.encode(true, forKey: .missingLeft) }
            if categoryCount > 0 {
                try c.encode(categoryStart, forKey: .categoryStart)
                try c.encode(categoryCount, forKey: .categoryCount)
            }
        }
    }

    public var nodes: [Node]
    /// Bitsets of the categorical nodes, 32 category codes per word.
    public var categoryWords: [UInt32]

    public init(nodes: [Node], categoryWords: [UInt32] = []) {
        self.nodes = nodes
        self.categoryWords = categoryWords
    }

    /// Whether `v` goes to the left child of internal node `node`.
    @inlinable public func goesLeft(_ node: Node, _ v: Double) -> Bool {
        if node.categoryCount > 0 {
            guard v >= 0, v < Double(node.categoryCount * 32) else { return false }  // NaN fails too
            let c = Int(v)
            return (categoryWords[node.categoryStart + c >> 5] >> UInt32(c & 31)) & 1 == 1
        }
        return v.isNaN ? node.missingLeft : v <= node.threshold
    }

    /// The output for row `r` of a column-major matrix with `n` rows.
    @inlinable public func predict(_ x: UnsafePointer<Double>, row r: Int, rows n: Int) -> Double {
        var i = 0
        while true {
            let node = nodes[i]
            if node.feature < 0 { return node.value }
            i = goesLeft(node, x[node.feature * n + r]) ? node.left : node.right
        }
    }

    private enum CodingKeys: String, CodingKey { case nodes, categoryWords }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodes = try c.decode([Node].self, forKey: .nodes)
        categoryWords = try c.decodeIfPresent([UInt32].self, forKey: .categoryWords) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(nodes, forKey: .nodes)
        if !categoryWords.isEmpty { try c.encode(categoryWords, forKey: .categoryWords) }
    }
}

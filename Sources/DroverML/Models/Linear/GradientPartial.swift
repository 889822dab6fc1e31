/// The data term of a linear model's loss and gradient over one shard: mergeable by addition.
/// `gradient` is laid out like `LinearWeights.flat` (weights, then intercepts).
public struct GradientPartial: ShardPartial, Equatable {
    public var rows: Int
    public var loss: Double
    public var gradient: [Double]

    public init(rows: Int, loss: Double, gradient: [Double]) {
        self.rows = rows
        self.loss = loss
        self.gradient = gradient
    }

    public mutating func merge(_ other: GradientPartial) {
        rows += other.rows
        loss += other.loss
        for i in gradient.indices { gradient[i] += other.gradient[i] }
    }
}

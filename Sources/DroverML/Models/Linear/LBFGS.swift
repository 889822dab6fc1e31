/// Limited-memory BFGS for smooth convex objectives (logistic regression).
///
/// Two-loop recursion with `memory` correction pairs and a backtracking Armijo line search.
/// Stops when the largest gradient component is below `gradientTolerance`, when the
/// objective stops decreasing (relative change below `functionTolerance`), or after
/// `maxIterations`.
public struct LBFGS: Sendable {
    public var memory = 10
    public var maxIterations = 100
    public var gradientTolerance = 1e-4
    public var functionTolerance = 1e-10

    public init(maxIterations: Int = 100, gradientTolerance: Double = 1e-4) {
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
    }

    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var iterations: Int
        public var evaluations: Int
        public var converged: Bool
    }

    /// Minimises `f` (returning value and gradient) from `x0`; `cancellation` is checked before
    /// each iteration.
    public func minimize(_ x0: [Double], cancellation: CancellationToken? = nil,
                         _ f: ([Double]) -> (Double, [Double])) throws(Cancelled) -> Result {
        var x = x0
        var (fx, g) = f(x)
        var evaluations = 1
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var iteration = 0
        while iteration < maxIterations {
            try cancellation?.check()
            if maxAbs(g) <= gradientTolerance {
                return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, converged: true)
            }
            // Two-loop recursion: direction = −H·g.
            var q = g
            var alpha = [Double](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(s[i], q)
                axpy(-alpha[i], y[i], &q)
            }
            if let sl = s.last, let yl = y.last {
                let gamma = dot(sl, yl) / dot(yl, yl)
                for j in q.indices { q[j] *= gamma }
            } else {
                let scale = 1 / max(1, norm(g))
                for j in q.indices { q[j] *= scale }
            }
            for i in 0..<s.count {
                let beta = rho[i] * dot(y[i], q)
                axpy(alpha[i] - beta, s[i], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if slope >= 0 {  // not a descent direction: reset memory, use steepest descent
                s.removeAll(); y.removeAll(); rho.removeAll()
                direction = g.map { -$0 / max(1, norm(g)) }
                slope = dot(g, direction)
            }
            // Backtracking line search (Armijo, c1 = 1e-4).
            var step = 1.0
            var xNew = x, fNew = fx, gNew = g
            var accepted = false
            for _ in 0..<30 {
                for j in x.indices { xNew[j] = x[j] + step * direction[j] }
                (fNew, gNew) = f(xNew)
                evaluations += 1
                if fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iteration += 1
            if !accepted {
                return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, converged: false)
            }
            let sk = zip(xNew, x).map { $0 - $1 }
            let yk = zip(gNew, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > 1e-12 {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let relative = (fx - fNew) / max(abs(fx), abs(fNew), 1)
            x = xNew; g = gNew
            let previous = fx
            fx = fNew
            if relative <= functionTolerance && previous >= fNew {
                return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations, converged: true)
            }
        }
        return Result(x: x, value: fx, iterations: iteration, evaluations: evaluations,
                      converged: maxAbs(g) <= gradientTolerance)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
    private func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
    private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
    private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
        for i in y.indices { y[i] += alpha * x[i] }
    }
}

import COpenBLAS

/// Thin wrappers over the OpenBLAS calls DroverML uses, on column-major `Double` blocks.
///
/// Matrices are column-major with a leading dimension (`ld`) so a row-range shard of a larger
/// matrix is just a base pointer offset by the first row and `ld` = the full row count.
public enum BLAS {
    /// Keeps OpenBLAS single-threaded: DroverML parallelises over shards itself, and two
    /// thread pools on 2 shared cores only oversubscribe.
    public static func useSingleThread() {
        openblas_set_num_threads(1)
    }

    /// y = A·x for an m×n column-major block A (leading dimension `ld`).
    @inlinable
    public static func gemv(
        _ a: UnsafePointer<Double>, rows m: Int, cols n: Int, ld: Int,
        _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasColMajor, CblasNoTrans, blasint(m), blasint(n), 1.0, a, blasint(ld), x, 1, 0.0, y, 1)
    }

    /// y = Aᵀ·x (+ y when `accumulate`) for an m×n column-major block A (leading dimension
    /// `ld`); y has n entries.
    @inlinable
    public static func gemvT(
        _ a: UnsafePointer<Double>, rows m: Int, cols n: Int, ld: Int,
        _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, accumulate: Bool = false
    ) {
        cblas_dgemv(CblasColMajor, CblasTrans, blasint(m), blasint(n), 1.0, a, blasint(ld), x, 1,
                    accumulate ? 1.0 : 0.0, y, 1)
    }

    /// C(m×k) = A(m×n)·B(n×k), all column-major; A has leading dimension `lda`.
    @inlinable
    public static func gemm(
        _ a: UnsafePointer<Double>, rows m: Int, inner n: Int, lda: Int,
        _ b: UnsafePointer<Double>, cols k: Int, into c: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(k), blasint(n),
                    1.0, a, blasint(lda), b, blasint(n), 0.0, c, blasint(m))
    }

    /// C(n×k) = Aᵀ·B (+ C when `accumulate`) for A m×n (leading dimension `lda`) and B m×k
    /// (leading dimension m).
    @inlinable
    public static func gemmT(
        _ a: UnsafePointer<Double>, rows m: Int, cols n: Int, lda: Int,
        _ b: UnsafePointer<Double>, cols k: Int, into c: UnsafeMutablePointer<Double>, accumulate: Bool = false
    ) {
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, blasint(n), blasint(k), blasint(m),
                    1.0, a, blasint(lda), b, blasint(m), accumulate ? 1.0 : 0.0, c, blasint(n))
    }

    /// The full symmetric n×n Gram matrix AᵀA of an m×n block (leading dimension `lda`).
    public static func gram(_ a: UnsafePointer<Double>, rows m: Int, cols n: Int, lda: Int) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        c.withUnsafeMutableBufferPointer { cp in
            cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, blasint(n), blasint(m),
                        1.0, a, blasint(lda), 0.0, cp.baseAddress, blasint(n))
        }
        for j in 0..<n { for i in (j + 1)..<max(j + 1, n) { c[i + j * n] = c[j + i * n] } }
        return c
    }
}

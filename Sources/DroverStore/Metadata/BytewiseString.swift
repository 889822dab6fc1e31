/// A string compared and hashed by its UTF-8 bytes, as SQLite compares TEXT (BINARY collation).
/// Swift's `String` equality is canonical equivalence ("é" == "e\u{301}"), which would merge two
/// metric keys that SQLite keeps apart.
struct BytewiseString: Hashable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: BytewiseString, b: BytewiseString) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    static func < (a: BytewiseString, b: BytewiseString) -> Bool { a.string.utf8.lexicographicallyPrecedes(b.string.utf8) }
}

@testable import DroverCore
import DroverProtocol

/// SplitMix64 with helpers; every random choice of the simulation comes from one seed.
struct SimRNG {
    var inner: SplitMix64
    init(seed: UInt64) { inner = SplitMix64(seed: seed) }

    mutating func chance(_ p: Double) -> Bool { p > 0 && Double(inner.next() >> 11) / Double(1 << 53) < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &inner) }
    mutating func ms(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &inner) }
    mutating func pick<T>(_ list: [T]) -> T { list[Int.random(in: 0..<list.count, using: &inner)] }
}

/// What travels between the simulated parties.
enum Packet {
    case toCoordinator(from: [UInt8], WorkerMessage)
    case toWorker(peer: [UInt8], CoordinatorMessage)
    case request(ClientRequest)
    case reply(ClientReply)
}

/// The simulated network. Its fault model follows ZeroMQ over TCP, and is stated here
/// because the credit protocol depends on it:
///
/// - Worker → coordinator traffic is FIFO and never duplicated within one connection (ZMTP
///   over TCP), but delayed by a random latency; connections interleave freely, so a zombie's
///   old connection can deliver after the worker's new one. Heartbeats and STARTED may also be
///   lost one by one. Everything else is lost only when the connection breaks: then all its
///   in-flight packets, both ways, are dropped and the worker reconnects (new routing id).
///   (CREDIT and RESULTS carry credit increments and HELLO an absolute credit: no coordinator
///   could keep the credit bound if the transport duplicated or reordered them.)
/// - Coordinator → worker traffic is delayed, reordered and duplicated freely; everything but
///   ASSIGN may also be lost one by one (a lost ASSIGN on a live connection would leave the
///   attempt waiting forever, which TCP does not do).
/// - Client traffic is delayed, reordered, duplicated and lost freely (clients retry).
struct SimNetwork {
    struct InFlight {
        var at: Int64
        var seq: Int
        var packet: Packet
    }

    var inFlight: [InFlight] = []
    var seq = 0
    /// Last delivery time per worker connection (FIFO towards the coordinator).
    var lastAt: [[UInt8]: Int64] = [:]
    var faults: Bool = true
    var delivered = 0
    var dropped = 0
    var duplicated = 0

    mutating func schedule(_ p: Packet, at: Int64) {
        seq += 1
        inFlight.append(InFlight(at: at, seq: seq, packet: p))
    }

    /// Worker → coordinator, FIFO per connection.
    mutating func fromWorker(_ peer: [UInt8], _ m: WorkerMessage, now: Int64, rng: inout SimRNG) {
        switch m {
        case .heartbeat, .started:
            if faults, rng.chance(0.02) { dropped += 1; return }
        default: break
        }
        let at = max(now + rng.ms(1...(faults ? 40 : 5)), lastAt[peer] ?? 0)
        lastAt[peer] = at
        schedule(.toCoordinator(from: peer, m), at: at)
        if faults, case .started = m, rng.chance(0.03) {
            duplicated += 1
            schedule(.toCoordinator(from: peer, m), at: at + rng.ms(0...30))
        }
    }

    mutating func toWorker(_ peer: [UInt8], _ m: CoordinatorMessage, now: Int64, rng: inout SimRNG) {
        if faults {
            if case .assign = m {} else if rng.chance(0.03) { dropped += 1; return }
        }
        let copies = faults && rng.chance(0.03) ? 2 : 1
        if copies == 2 { duplicated += 1 }
        for _ in 0..<copies {
            schedule(.toWorker(peer: peer, m), at: now + rng.ms(1...(faults ? 60 : 5)))
        }
    }

    mutating func client(_ p: Packet, now: Int64, rng: inout SimRNG) {
        if faults, rng.chance(0.05) { dropped += 1; return }
        let copies = faults && rng.chance(0.05) ? 2 : 1
        if copies == 2 { duplicated += 1 }
        for _ in 0..<copies { schedule(p, at: now + rng.ms(1...(faults ? 80 : 5))) }
    }

    /// Removes and returns the packets due by `now`, in delivery order.
    mutating func due(now: Int64) -> [InFlight] {
        var out: [InFlight] = []
        var keep: [InFlight] = []
        keep.reserveCapacity(inFlight.count)
        for p in inFlight {
            if p.at <= now { out.append(p) } else { keep.append(p) }
        }
        inFlight = keep
        out.sort { ($0.at, $0.seq) < ($1.at, $1.seq) }
        delivered += out.count
        return out
    }

    /// A connection broke: everything in flight on it, both ways, is gone.
    mutating func breakConnection(_ peer: [UInt8]) {
        let before = inFlight.count
        inFlight.removeAll { p in
            switch p.packet {
            case .toCoordinator(let from, _): from == peer
            case .toWorker(let to, _): to == peer
            default: false
            }
        }
        dropped += before - inFlight.count
    }

    /// The coordinator process died: every connection to it broke.
    mutating func coordinatorCrashed() {
        dropped += inFlight.count
        inFlight.removeAll()
    }
}

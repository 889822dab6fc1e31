import CZeroMQ

/// Facts about the linked libzmq.
public enum ZMQLibrary {
    /// (major, minor, patch) of the linked libzmq, e.g. (4, 3, 4).
    public static var version: (major: Int32, minor: Int32, patch: Int32) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (major, minor, patch)
    }

    /// Whether libzmq was built with a capability: "curve", "ipc", "draft", ...
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }
}

import NativeThreads

/// `NativeThreads.OneShot`, under the name the socket loops' users already know.
public typealias OneShot<Value: Sendable> = NativeThreads.OneShot<Value>

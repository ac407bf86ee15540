// Package bridge is the client of the STUI protocol: it carries STUI requests from Go to
// the STUI server inside a Pharo image, over ZeroMQ (ZMTP 3.0, REQ to REP).
//
// Start with [NewClient]: a [Client] answers one-shot commands with [Client.Call]. A
// [Registry] keeps one [Session] per workspace folder; a session has its own connection,
// one request in flight, and survives restarts of the client through a small state file.
//
// The wire contract is written once, in PROTOCOL.md, and encoded in protocol.go; the
// vectors in testdata/protocol are read by the tests of both sides.
//
// Every request is bounded by its context's deadline. The client follows the ZeroMQ
// guide's Lazy Pirate pattern: on a timeout or any error the connection is closed and a
// new one is dialled lazily, by the next request; reply ids are checked; idempotent
// commands are retried once after a connection error, evaluate never. Failures to reach
// the image are *Error values of type Unavailable.
//
// The fake image used by the tests is in package bridge/bridgetest.
package bridge

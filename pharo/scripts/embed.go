// Package scripts holds the Smalltalk scripts a headless Pharo VM runs for STUI, embedded
// so that the stui command can run them without a checkout: Serve (serve.st) starts the
// server and prints its ready line; Test (test.st) runs the SUnit tests.
package scripts

import _ "embed"

// Serve is serve.st.
//
//go:embed serve.st
var Serve []byte

// Test is test.st.
//
//go:embed test.st
var Test []byte

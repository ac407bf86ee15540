package smalltalk

import (
	"bytes"
	"fmt"
	"testing"
)

// generateTonel answers a Tonel class file of about lines lines, with methods that use
// most of the syntax.
func generateTonel(lines int) []byte {
	var b bytes.Buffer
	b.WriteString("\"\nI am Generated, a class for benchmarks.\n\"\nClass {\n\t#name : 'Generated',\n\t#superclass : 'Object',\n\t#instVars : [ 'a', 'b', 'items' ],\n\t#package : 'Bench'\n}\n")
	for i := 0; b.Len() < lines*33; i++ {
		fmt.Fprintf(&b, `
{ #category : 'accessing' }
Generated >> method%d: anObject with: other [
	"Comment with a ] bracket and 'quotes'."
	| sum block |
	sum := 0.
	items do: [ :each | sum := sum + (each * 2) - 16r1F ].
	block := [ :x :y | x max: y ].
	a := #( 1 2.5 $a #sym 'str' #(nested 3) ) , { anObject. other. sum }.
	b := OrderedCollection new add: 1; add: 2; yourself.
	sum > 100 ifTrue: [ ^ block value: sum value: %d ].
	^ self method%d: sum printString with: (other ifNil: [ 'default' ])
]
`, i, i, i+1)
	}
	return b.Bytes()
}

func BenchmarkParseTonel(b *testing.B) {
	src := generateTonel(50000)
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := Parse(src, Tonel)
		if len(f.Errors) > 0 {
			b.Fatal(f.Errors[0].Msg)
		}
	}
}

// BenchmarkReparseOneMethod measures the reparse of a 5,000-line Tonel file after an edit
// inside one method in its middle.
func BenchmarkReparseOneMethod(b *testing.B) {
	src := generateTonel(5000)
	at := bytes.Index(src, []byte("method200:"))
	at += bytes.Index(src[at:], []byte("sum := 0.")) + len("sum := ")
	edited := append(append(append([]byte{}, src[:at]...), "42"...), src[at+1:]...)
	f := Parse(src, Tonel)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%2 == 0 {
			f = f.Reparse(edited, at, at+1, 2) // "0" -> "42"
		} else {
			f = f.Reparse(src, at, at+2, 1) // and back
		}
	}
	b.StopTimer()
	if len(f.Errors) > 0 {
		b.Fatal(f.Errors[0].Msg)
	}
}

// TestReparseIsIncremental checks that the one-method reparse reuses the other methods.
func TestReparseIsIncremental(t *testing.T) {
	src := generateTonel(5000)
	at := bytes.Index(src, []byte("method200:"))
	at += bytes.Index(src[at:], []byte("sum := 0.")) + len("sum := ")
	edited := append(append(append([]byte{}, src[:at]...), "42"...), src[at+1:]...)
	f := Parse(src, Tonel)
	first, edited200 := f.Methods[0], f.Methods[200]
	g := f.Reparse(edited, at, at+1, 2)
	if g.Methods[0] != first {
		t.Errorf("the first method was parsed again; want it reused")
	}
	if g.Methods[200] == edited200 {
		t.Errorf("the edited method was reused; want it parsed again")
	}
	if dump(g) != dump(Parse(edited, Tonel)) {
		t.Errorf("Reparse differs from Parse:\n%s", diff(dump(Parse(edited, Tonel)), dump(g)))
	}
}
